"""The `enrollments` collection: one document per student per course, id `{course_id}_{student_uid}`.

Fields used across apps: course_id, student_uid, teacher_uid, status (active|waitlisted|withdrawn|
completed). The courses app owns the rest.
"""

from __future__ import annotations

from google.cloud import firestore

from firestore_operations.client import db

COLLECTION = "enrollments"
TEACHING_STATUSES = ["active", "completed"]


def teacher_has_student(teacher_uid: str, student_uid: str) -> bool:
    """Whether the student is or was taught by the teacher (one query, one read)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
        .where(filter=firestore.FieldFilter("student_uid", "==", student_uid))
        .where(filter=firestore.FieldFilter("status", "in", TEACHING_STATUSES))
        .limit(1)
    )
    return any(True for _ in query.stream())


def enrollment_id(course_id: str, student_uid: str) -> str:
    return f"{course_id}_{student_uid}"


def get_enrollment(course_id: str, student_uid: str) -> dict | None:
    from firestore_operations.documents import snapshot_to_dict

    if not course_id or not student_uid or "/" in course_id + student_uid:
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(enrollment_id(course_id, student_uid)).get())
