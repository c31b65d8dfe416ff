"""What a parent sees on a course page: each linked child's enrolment state and what they may do next."""

from __future__ import annotations

from authentication import services as account_services
from courses.access import PUBLISHED
from courses.enrolment import services as enrolment_services
from courses.payments import has_paid_for_course
from cplatform import errors
from cplatform.actor import Actor

STATE_TEXTS = {
    "active": "is enrolled",
    "waitlisted": "is on the waitlist",
    "withdrawn": "left this course",
    "completed": "completed this course",
}


def children_on_course(*, actor: Actor, course: dict, chosen: str = "") -> dict:
    """{children: [{uid, name, status, state, position, can_enrol}], checkout_for: uid or ""}.

    One profile batch and one enrolment read per child (a parent links at most ten). For a paid
    course `checkout_for` is the child the checkout pays for: the one asked for (`chosen`) or the
    first who may enrol and has not paid yet.
    """
    rows = []
    open_course = course.get("status") == PUBLISHED
    for profile in account_services.list_my_children(actor=actor):
        uid, name = profile["id"], profile.get("display_name", "")
        try:
            enrollment = enrolment_services.get_enrollment(actor=actor, course_id=course["id"], student_uid=uid)
        except errors.NotFound:
            enrollment = {}
        status = enrollment.get("status", "")
        rows.append(
            {
                "uid": uid,
                "name": name,
                "status": status,
                "state": STATE_TEXTS.get(status, "is not enrolled"),
                "position": enrollment.get("position"),
                "can_enrol": open_course and status in ("", "withdrawn"),
            }
        )
    checkout_for = ""
    if course.get("price") and open_course:
        candidates = [row["uid"] for row in rows if row["can_enrol"]]
        if chosen in candidates:
            candidates = [chosen]
        checkout_for = next(
            (uid for uid in candidates if not has_paid_for_course(student_uid=uid, course_id=course["id"])), ""
        )
    return {"children": rows, "checkout_for": checkout_for}
