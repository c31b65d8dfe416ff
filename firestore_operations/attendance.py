"""The `attendance` collection (id `{lesson_id}_{student_uid}`) and the enrolment reads the schedule needs.

An attendance record copies the lesson's title, course title and start, so history lists need no
read per row. Marking runs in one transaction with the enrolments it touches, keeping
`enrollments/{course}_{student}.lessons_attended` (the present count) exact when a mark changes.
The `enrollments` collection belongs to the courses app (firestore_operations/enrollments.py); the
queries here only read it. See docs/data-model.md.
"""

from __future__ import annotations

from collections.abc import Callable

from google.cloud import firestore

from firestore_operations.batches import update_matching
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.enrollments import COLLECTION as ENROLLMENTS
from firestore_operations.enrollments import enrollment_id
from firestore_operations.lessons import COLLECTION as LESSONS
from firestore_operations.lessons import run_transaction
from firestore_operations.pagination import ASCENDING, Page, fetch_page

COLLECTION = "attendance"
PRESENT = "present"
ACTIVE = "active"
# A student's or a family's enrolments are read whole; this bounds the read.
MAX_ENROLLMENTS = 500


def attendance_id(lesson_id: str, student_uid: str) -> str:
    return f"{lesson_id}_{student_uid}"


def _ref(lesson_id: str, student_uid: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(attendance_id(lesson_id, student_uid))


def mark_attendance(
    lesson_id: str,
    course_id: str,
    marks: dict[str, str],
    *,
    marked_by: str,
    check: Callable[[dict | None, dict[str, dict | None]], None],
) -> list[dict]:
    """Write one record per student (`marks` = {student_uid: status}) if `check(lesson, enrollments)` lets it.

    One transaction reads the lesson, the students' enrolments and their earlier records in one
    batched lookup, then moves each enrolment's lessons_attended by the change in "present".
    Returns the records as stored.
    """
    client = db()
    lesson_ref = client.collection(LESSONS).document(lesson_id)
    enrollment_refs = {uid: client.collection(ENROLLMENTS).document(enrollment_id(course_id, uid)) for uid in marks}
    record_refs = {uid: _ref(lesson_id, uid) for uid in marks}

    def run(transaction) -> None:
        snaps = {
            snap.reference.path: snap
            for snap in transaction.get_all([lesson_ref, *enrollment_refs.values(), *record_refs.values()])
        }
        lesson = snapshot_to_dict(snaps[lesson_ref.path])
        enrollments = {uid: snapshot_to_dict(snaps[ref.path]) for uid, ref in enrollment_refs.items()}
        check(lesson, enrollments)
        for uid, status in marks.items():
            earlier = snapshot_to_dict(snaps[record_refs[uid].path])
            record = {
                "lesson_id": lesson_id,
                "course_id": lesson["course_id"],
                "teacher_uid": lesson["teacher_uid"],
                "student_uid": uid,
                "status": status,
                "lesson_title": lesson.get("title", ""),
                "course_title": lesson.get("course_title", ""),
                "starts_at": lesson["starts_at"],
                "marked_by": marked_by,
                "marked_at": firestore.SERVER_TIMESTAMP,
            }
            transaction.set(record_refs[uid], record)
            change = (status == PRESENT) - bool(earlier and earlier.get("status") == PRESENT)
            if change:
                attended = int(enrollments[uid].get("lessons_attended") or 0)
                transaction.update(enrollment_refs[uid], {"lessons_attended": max(0, attended + change)})

    run_transaction(run)
    stored = get_records(lesson_id, list(marks))
    return [stored[uid] for uid in marks if uid in stored]


def get_records(lesson_id: str, student_uids: list[str]) -> dict[str, dict]:
    """One lesson's records for these students by uid, in one batched lookup."""
    refs = [_ref(lesson_id, uid) for uid in dict.fromkeys(student_uids) if valid_id(uid)]
    if not refs:
        return {}
    return {item["student_uid"]: item for snap in db().get_all(refs) if (item := snapshot_to_dict(snap))}


def records_of_student(lesson_ids: list[str], student_uid: str) -> dict[str, dict]:
    """The student's records for these lessons by lesson id, in one batched lookup."""
    refs = [_ref(lesson_id, student_uid) for lesson_id in dict.fromkeys(lesson_ids) if lesson_id]
    if not refs or not valid_id(student_uid):
        return {}
    return {item["lesson_id"]: item for snap in db().get_all(refs) if (item := snapshot_to_dict(snap))}


def list_lesson_attendance(lesson_id: str, *, limit: int, cursor: str | None) -> Page:
    """A lesson's records by student uid, one query per page. Raises InvalidCursor."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("lesson_id", "==", lesson_id))
    return fetch_page(query, order=[("student_uid", ASCENDING)], limit=limit, cursor=cursor, tag=f"att:{lesson_id}")


# --- enrolment reads ----------------------------------------------------------------------------


def active_student_uids(course_id: str) -> list[str]:
    """The uids of the course's actively enrolled students: one query."""
    query = (
        db()
        .collection(ENROLLMENTS)
        .where(filter=firestore.FieldFilter("course_id", "==", course_id))
        .where(filter=firestore.FieldFilter("status", "==", ACTIVE))
        .select(["student_uid"])
    )
    return [snap.get("student_uid") for snap in query.stream()]


def enrollments_of_students(
    student_uids: list[str], *, statuses: list[str], teacher_uid: str | None = None
) -> list[dict]:
    """Enrolments (course_id, student_uid, teacher_uid, status) of up to 30 students: one query.

    With several statuses the students must be one (Firestore takes one `in` per query).
    """
    uids = list(dict.fromkeys(uid for uid in student_uids if valid_id(uid)))[:30]
    if not uids or not statuses:
        return []
    query = db().collection(ENROLLMENTS)
    if len(uids) == 1:
        query = query.where(filter=firestore.FieldFilter("student_uid", "==", uids[0]))
    else:
        query = query.where(filter=firestore.FieldFilter("student_uid", "in", uids))
    if len(statuses) == 1:
        query = query.where(filter=firestore.FieldFilter("status", "==", statuses[0]))
    else:
        if len(uids) > 1:
            raise ValueError("several students and several statuses need two `in` filters")
        query = query.where(filter=firestore.FieldFilter("status", "in", statuses))
    if teacher_uid:
        query = query.where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
    query = query.select(["course_id", "student_uid", "teacher_uid", "status"]).limit(MAX_ENROLLMENTS)
    return [snapshot_to_dict(snap) for snap in query.stream()]


def update_course_title(course_id: str, title: str) -> int:
    """Keep the attendance records' copy of the course title current."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("course_id", "==", course_id))
    return update_matching(query, {"course_title": title})
