"""Enrolments: a seat in a course (capacity, waitlist, payment), withdrawing, and the lists of them.

Every function takes the acting user explicitly and raises cplatform.errors on refusal. Events go
out only after the Firestore write committed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from authentication.access import access_child, linked_children
from courses import events
from courses.access import PUBLISHED, access_course, get_course_or_404
from courses.catalog.freshness import counters_moved, pages_changed
from courses.payments import has_paid_for_course, membership_covers, settle_withdrawal
from cplatform import errors, rate_limit, text
from cplatform.actor import PARENT, STUDENT, Actor
from firestore_operations import courses as course_store
from firestore_operations import enrollments as enrollment_store
from firestore_operations import users as user_store
from firestore_operations.pagination import Page


@dataclass
class EnrollmentResult:
    """outcome: created (a seat), waitlisted (a new waitlist place) or unchanged (a repeat)."""

    enrollment: dict
    outcome: str


def _target_student(actor: Actor, student_uid: str | None) -> str:
    """The student the actor acts for: herself, or a parent's linked child. Raises ValidationError, PermissionDenied."""
    if actor.role == STUDENT:
        if student_uid and student_uid != actor.uid:
            raise errors.PermissionDenied("Students act only for themselves.")
        return actor.uid
    if actor.role == PARENT:
        if not student_uid:
            raise errors.ValidationError(
                "Say which child: student_uid is required for parents.", fields={"student_uid": ["Required."]}
            )
        return access_child(actor, student_uid)
    raise errors.PermissionDenied("Only students and their parents manage enrolments.", code="wrong_role")


def _with_position(enrollment: dict) -> dict:
    if enrollment.get("status") == enrollment_store.WAITLISTED and enrollment.get("waitlist_seq"):
        position = enrollment_store.waitlist_position(enrollment["course_id"], int(enrollment["waitlist_seq"]))
        return {**enrollment, "position": position}
    return enrollment


# --- events --------------------------------------------------------------------------------------


def _membership(course: dict, enrollment: dict) -> dict:
    return events.membership(
        course, student_uid=enrollment["student_uid"], student_name=enrollment.get("student_name", "")
    )


def _announce_activation(course: dict, enrollment: dict, *, promoted: bool) -> None:
    events.publish(events.enrollment_activated, **_membership(course, enrollment), promoted=promoted)


def announce_promotions(course: dict, promoted: list[dict]) -> None:
    """Tell subscribers about students a freed seat took off the waitlist."""
    for enrollment in promoted:
        _announce_activation(course, enrollment, promoted=True)


def end_memberships(course: dict) -> None:
    """An archived course: each active student stops being a member (enrollment_ended, reason archived)."""
    for student_uid in enrollment_store.active_student_uids(course["id"]):
        events.publish(events.enrollment_ended, **_membership(course, {"student_uid": student_uid}), reason="archived")


def _announce_withdrawal(course: dict, enrollment: dict, result: enrollment_store.WithdrawResult) -> None:
    if result.previous == enrollment_store.ACTIVE:
        events.publish(events.enrollment_ended, **_membership(course, enrollment), reason="withdrawn")
    announce_promotions(course, result.promoted)
    for waiting in result.offered:
        events.publish(events.waitlist_seat_offered, **_membership(course, waiting))


# --- enrolling and withdrawing -------------------------------------------------------------------


def _check_open(course: dict | None, enrollment: dict | None) -> None:
    """Whether a seat or waitlist place may be taken, on fresh reads. Raises NotFound, Conflict."""
    if course is None:
        raise errors.NotFound("No such course.")
    if enrollment and enrollment.get("status") == enrollment_store.COMPLETED:
        raise errors.Conflict("This student has already completed the course.", code="already_completed")
    if course.get("status") != PUBLISHED:
        raise errors.Conflict("This course is not open for enrolment.", code="course_not_open")


def enroll_student(
    *, actor: Actor, course_id: str, student_uid: str | None = None, waitlist: bool = True
) -> EnrollmentResult:
    """Enrol the student (or put her on the waitlist of a full course); a repeat changes nothing.

    With waitlist=False (a paid seat after checkout) a full course raises Conflict course_full.
    Raises NotFound, PermissionDenied, ValidationError, Conflict (course not open, completed, full),
    PaymentRequired (paid course without a completed payment or a membership that covers it).
    """
    target = _target_student(actor, student_uid)
    _count_enrolment_change(actor)
    course = get_course_or_404(course_id)
    current = enrollment_store.get_enrollment(course_id, target)
    status = (current or {}).get("status")
    # A repeat changes nothing; a waiting student who paid (waitlist=False) goes on to take a seat.
    if status == enrollment_store.ACTIVE or (status == enrollment_store.WAITLISTED and waitlist):
        return EnrollmentResult(_with_position(current), "unchanged")
    _check_open(course, current)
    # An unpaid student of a paid course may only wait: a full course puts her on the waitlist
    # (awaiting payment: when a seat frees she is told and pays for it); a free seat asks for payment.
    must_pay = (
        bool(course.get("price"))
        and not has_paid_for_course(student_uid=target, course_id=course_id)
        and not membership_covers(student_uid=target, course=course, now=time.time())
    )
    profile = user_store.get_profile(target) or {}
    if profile.get("role") != STUDENT:
        raise errors.NotFound("No such student.")
    name = profile.get("display_name", "")
    result = enrollment_store.enroll(
        course_id,
        target,
        student_name=name,
        student_sort=text.fold(name).strip(),
        enrolled_by=actor.uid,
        check=_check_open,
        waitlist=waitlist,
        may_take_seat=not must_pay,
    )
    outcome = enrollment_store.EnrollOutcome
    if result.outcome == outcome.NEEDS_PAYMENT:
        price = course["price"]
        raise errors.PaymentRequired(
            "This is a paid course: complete the payment first.",
            price={"amount": price["amount"], "currency": price["currency"]},
        )
    if result.outcome == outcome.FULL:
        raise errors.Conflict("This course is full.", code="course_full")
    enrollment = enrollment_store.get_enrollment(course_id, target)
    if result.outcome == outcome.UNCHANGED:
        return EnrollmentResult(_with_position(enrollment), "unchanged")
    if result.outcome == outcome.WAITLISTED:
        pages_changed()  # the waitlist count; no ranking field moved
        return EnrollmentResult({**enrollment, "position": result.position}, "waitlisted")
    counters_moved(course_id, result.course)
    _announce_activation(result.course, enrollment, promoted=False)
    return EnrollmentResult(enrollment, "created")


def _count_enrolment_change(actor: Actor) -> None:
    """Enrolling and withdrawing tell the teacher each time: a loop of them must not become a mail
    bomb. Raises RateLimited past ENROLMENT_CHANGE_LIMIT changes an hour."""
    rate_limit.consume(
        "enrolment-change",
        actor.uid,
        limit=settings.ENROLMENT_CHANGE_LIMIT,
        window=3600,
        message="That is a lot of enrolment changes: wait a while before trying again.",
    )


def _check_withdrawable(enrollment: dict | None) -> None:
    """Raises NotFound (never enrolled), Conflict (completed)."""
    if enrollment is None:
        raise errors.NotFound("Not enrolled in this course.")
    if enrollment.get("status") == enrollment_store.COMPLETED:
        raise errors.Conflict("A completed course cannot be withdrawn from.", code="already_completed")


def withdraw_student(*, actor: Actor, course_id: str, student_uid: str | None = None) -> dict:
    """Withdraw the student (kept in history); her seat goes to the first waiting student. A paid seat
    is refunded within the refund window (the payments app's answer comes back as `refund`).

    Raises NotFound (not enrolled), PermissionDenied, ValidationError, Conflict (completed).
    """
    target = _target_student(actor, student_uid)
    _count_enrolment_change(actor)
    if not course_store.valid_id(course_id):
        raise errors.NotFound("Not enrolled in this course.")
    result = enrollment_store.withdraw(course_id, target, check=_check_withdrawable)
    enrollment = enrollment_store.get_enrollment(course_id, target)
    if result.outcome is enrollment_store.WithdrawOutcome.WITHDRAWN:
        course = counters_moved(course_id, result.course) if result.course else None
        _announce_withdrawal(course or get_course_or_404(course_id), enrollment, result)
    refund = settle_withdrawal(actor=actor, course_id=course_id, student_uid=target)
    return {**enrollment, "refund": refund} if refund else enrollment


def withdraw_everywhere(*, student_uid: str) -> None:
    """Give up a deleted student's seats and waitlist places (freed seats go to waiting students)."""
    cursor = None
    while True:
        page = enrollment_store.list_student_enrollments(
            student_uids=[student_uid], status=None, limit=100, cursor=cursor
        )
        for enrollment in page.items:
            if enrollment.get("status") not in (enrollment_store.ACTIVE, enrollment_store.WAITLISTED):
                continue
            result = enrollment_store.withdraw(enrollment["course_id"], student_uid, check=_check_withdrawable)
            if result.outcome is not enrollment_store.WithdrawOutcome.WITHDRAWN or not result.course:
                continue
            course = counters_moved(enrollment["course_id"], result.course)
            if course:
                _announce_withdrawal(course, enrollment, result)
        if not page.next_cursor:
            return
        cursor = page.next_cursor


# --- reading -------------------------------------------------------------------------------------


def get_enrollment(*, actor: Actor, course_id: str, student_uid: str | None = None) -> dict:
    """The student's enrolment in the course, with her waitlist position. Raises NotFound, PermissionDenied."""
    target = _target_student(actor, student_uid)
    enrollment = enrollment_store.get_enrollment(course_id, target)
    if enrollment is None:
        raise errors.NotFound("Not enrolled in this course.")
    return _with_position(enrollment)


def list_my_enrollments(
    *, actor: Actor, status: str | None, student_uid: str | None, limit: int, cursor: str | None
) -> Page:
    """A student's enrolments, or a parent's children's (optionally one child). One query per page.

    Raises PermissionDenied, ValidationError.
    """
    if actor.role == STUDENT:
        uids = [_target_student(actor, student_uid)]
    elif actor.role == PARENT:
        uids = [_target_student(actor, student_uid)] if student_uid else linked_children(actor)
    else:
        raise errors.PermissionDenied("Only students and parents have enrolments.", code="wrong_role")
    if not uids:
        return Page(items=[])
    return enrollment_store.list_student_enrollments(student_uids=uids, status=status, limit=limit, cursor=cursor)


def list_course_roster(*, actor: Actor, course_id: str, status: str | None, limit: int, cursor: str | None) -> Page:
    """The course's enrolments for its teacher or an admin. Raises NotFound, PermissionDenied, ValidationError."""
    access_course(actor, course_id, for_write=True)
    return enrollment_store.list_course_enrollments(course_id=course_id, status=status, limit=limit, cursor=cursor)
