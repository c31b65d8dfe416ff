"""Course feedback: a rating and comment per student who held a seat, the teacher's reply, moderation.

Every function takes the acting user explicitly and raises cplatform.errors on refusal.
"""

from __future__ import annotations

from courses import events
from courses.access import access_course, is_owner
from courses.catalog.freshness import counters_moved
from cplatform import errors
from cplatform.actor import ADMIN, Actor
from firestore_operations import enrollments as enrollment_store
from firestore_operations import feedback as feedback_store
from firestore_operations.pagination import Page


def post_feedback(*, actor: Actor, course_id: str, rating: int, comment: str) -> tuple[dict, bool]:
    """Rate the course (one feedback per student; posting again replaces it). Returns (feedback, created).

    Only students who hold or held a seat may rate (a waitlist place is not enough).
    Raises NotFound, PermissionDenied.
    """
    course = access_course(actor, course_id)
    enrollment = enrollment_store.get_enrollment(course_id, actor.uid)
    if not enrollment or not enrollment.get("ever_active"):
        raise errors.PermissionDenied("Only students who are or were enrolled in this course can rate it.")
    student_name = enrollment.get("student_name", "")

    def check(current_course: dict | None) -> None:
        if current_course is None:
            raise errors.NotFound("No such course.")

    saved, before = feedback_store.save_feedback(
        course_id, actor.uid, rating=rating, comment=comment, student_name=student_name, check=check
    )
    counters_moved(course_id, before)
    created = saved is feedback_store.Saved.CREATED
    if created:
        events.publish(
            events.feedback_created,
            **events.membership(course, student_uid=actor.uid, student_name=student_name),
            rating=rating,
        )
    return feedback_store.get_feedback(course_id, actor.uid), created


def list_feedback(*, actor: Actor, course_id: str, limit: int, cursor: str | None) -> Page:
    """The course's feedback, newest first; hidden feedback only for admins. Raises NotFound, ValidationError."""
    access_course(actor, course_id)
    return feedback_store.list_feedback(
        course_id=course_id, include_hidden=actor.role == ADMIN, limit=limit, cursor=cursor
    )


def reply_to_feedback(*, actor: Actor, course_id: str, student_uid: str, reply: str) -> dict:
    """The course's teacher answers a feedback, once. Raises NotFound, PermissionDenied, Conflict."""
    course = access_course(actor, course_id)
    if not is_owner(actor, course):
        raise errors.PermissionDenied("Only the course's teacher can reply to its feedback.")

    def check(feedback: dict | None) -> None:
        if feedback is None:
            raise errors.NotFound("No feedback from this student.")
        if feedback.get("reply"):
            raise errors.Conflict("You already replied to this feedback.", code="already_replied")

    feedback_store.set_reply(course_id, student_uid, reply=reply, by_uid=actor.uid, check=check)
    return feedback_store.get_feedback(course_id, student_uid)


def hide_feedback(*, actor: Actor, course_id: str, student_uid: str, hidden: bool) -> dict:
    """An admin hides (or shows again) a feedback; hidden ratings leave the average. Raises NotFound."""
    if actor.role != ADMIN:
        raise errors.PermissionDenied("Only admins moderate feedback.", code="wrong_role")

    def check(course: dict | None, feedback: dict | None) -> None:
        if course is None or feedback is None:
            raise errors.NotFound("No such feedback.")

    change, before = feedback_store.set_hidden(course_id, student_uid, hidden=hidden, by_uid=actor.uid, check=check)
    if change is feedback_store.Change.CHANGED:
        counters_moved(course_id, before)
    return feedback_store.get_feedback(course_id, student_uid)
