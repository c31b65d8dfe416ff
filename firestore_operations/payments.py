"""The `course_payments` collection: one document per student per paid course, id `{course_id}_{student_uid}`.

The payments app writes these documents (status pending -> completed | failed | refunded); the
courses app only asks whether a completed one exists before it gives a seat in a paid course.
"""

from __future__ import annotations

from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict

COLLECTION = "course_payments"
COMPLETED = "completed"


def payment_id(course_id: str, student_uid: str) -> str:
    return f"{course_id}_{student_uid}"


def get_course_payment(course_id: str, student_uid: str) -> dict | None:
    if not course_id or not student_uid or "/" in course_id + student_uid:
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(payment_id(course_id, student_uid)).get())


def record_course_payment(
    course_id: str, student_uid: str, *, status: str, amount: int, currency: str, payer_uid: str
) -> None:
    """Write a payment record directly: for tests and demo data until the payments app writes them."""
    db().collection(COLLECTION).document(payment_id(course_id, student_uid)).set(
        {
            "course_id": course_id,
            "student_uid": student_uid,
            "payer_uid": payer_uid,
            "status": status,
            "amount": amount,
            "currency": currency,
            "created_at": firestore.SERVER_TIMESTAMP,
            "updated_at": firestore.SERVER_TIMESTAMP,
        }
    )
