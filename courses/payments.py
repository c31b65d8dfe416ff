"""What the courses app asks of payments: has this student paid for this course, and what happens
to her money when she withdraws.

courses never imports payments (payments sits above it). The payments app registers its answer to
a withdrawal here at start-up (`set_withdrawal_hook`); without it a withdrawal refunds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from firestore_operations import memberships as membership_store
from firestore_operations import payments as payment_store


def has_paid_for_course(*, student_uid: str, course_id: str) -> bool:
    """Whether a completed payment exists for the student and course (one document read)."""
    payment = payment_store.get_course_payment(course_id, student_uid)
    return bool(payment) and payment.get("status") == payment_store.COMPLETED


def membership_covers(*, student_uid: str, course: dict, now: float) -> bool:
    """Whether the course is included in the membership and the student's membership runs (one read)."""
    if not course.get("included_in_membership"):
        return False
    membership = membership_store.get_membership(student_uid) or {}
    return (
        membership.get("status") in membership_store.ACTIVE_STATUSES
        and float(membership.get("current_period_end") or 0) > now
    )


_hooks: dict[str, Callable[..., dict | None]] = {}


def set_withdrawal_hook(hook: Callable[..., dict | None] | None) -> None:
    """hook(*, actor, course_id, student_uid) -> the refund outcome (a plain dict) or None."""
    if hook is None:
        _hooks.pop("withdrawal", None)
    else:
        _hooks["withdrawal"] = hook


def settle_withdrawal(*, actor, course_id: str, student_uid: str) -> dict | None:
    """Called after a student left a course: the payments app refunds within its window, or says why not."""
    hook = _hooks.get("withdrawal")
    if hook is None:
        return None
    return hook(actor=actor, course_id=course_id, student_uid=student_uid)
