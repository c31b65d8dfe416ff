"""What the courses app asks of payments: has this student paid for this course?"""

from __future__ import annotations

from firestore_operations import payments as payment_store


def has_paid_for_course(*, student_uid: str, course_id: str) -> bool:
    """Whether a completed payment exists for the student and course (one document read)."""
    payment = payment_store.get_course_payment(course_id, student_uid)
    return bool(payment) and payment.get("status") == payment_store.COMPLETED
