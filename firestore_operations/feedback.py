"""Course feedback: subcollection `courses/{course_id}/feedback/{student_uid}` (one per student per course).

The course document keeps rating_sum / rating_count / rating_avg; every change that moves them
(a new or edited rating, hiding or showing one) reads the course and the feedback and commits both
in one atomic unit (enrollments.run_atomically), so the average stays exact when many students
post at once. Hidden feedback counts for nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from google.cloud import firestore

from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.batches import update_matching
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import DESCENDING, Page, fetch_page

COURSES = "courses"
SUBCOLLECTION = "feedback"
BATCH_SIZE = 400


def _course_ref(course_id: str) -> firestore.DocumentReference:
    return db().collection(COURSES).document(course_id)


def _ref(course_id: str, student_uid: str) -> firestore.DocumentReference:
    return _course_ref(course_id).collection(SUBCOLLECTION).document(student_uid)


def _valid(*parts: str) -> bool:
    return all(valid_id(part) for part in parts)


def get_feedback(course_id: str, student_uid: str) -> dict | None:
    if not _valid(course_id, student_uid):
        return None
    return snapshot_to_dict(_ref(course_id, student_uid).get())


def _rating_fields(rating_sum: int, rating_count: int) -> dict:
    average = round(rating_sum / rating_count, 4) if rating_count else 0.0
    return {"rating_sum": rating_sum, "rating_count": rating_count, "rating_avg": average}


def _visible_rating(feedback: dict | None) -> int | None:
    if not feedback or feedback.get("hidden"):
        return None
    return int(feedback["rating"])


def _apply(course: dict, remove: int | None, add: int | None) -> dict:
    total, count = int(course.get("rating_sum", 0)), int(course.get("rating_count", 0))
    if remove is not None:
        total, count = total - remove, count - 1
    if add is not None:
        total, count = total + add, count + 1
    return _rating_fields(max(0, total), max(0, count))


class Saved(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"


class Change(enum.Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"


def save_feedback(
    course_id: str,
    student_uid: str,
    *,
    rating: int,
    comment: str,
    student_name: str,
    check: Callable[[dict | None], None],
) -> tuple[Saved, dict]:
    """Create or replace the student's rating and comment, moving the course's rating atomically.
    Returns (outcome, the course as read before the change).

    `check(course)` runs on the fresh course read and raises to refuse (nothing is written)."""
    course_ref, ref = _course_ref(course_id), _ref(course_id, student_uid)

    def body(unit: AtomicUnit) -> tuple[Saved, dict]:
        course = unit.get(course_ref)
        current = unit.get(ref)
        check(course)
        hidden = bool(current and current.get("hidden"))
        data = {
            "course_id": course_id,
            "student_uid": student_uid,
            "student_name": student_name,
            "rating": rating,
            "comment": comment,
            "posted_at": firestore.SERVER_TIMESTAMP,
            "updated_at": firestore.SERVER_TIMESTAMP,
        }
        if current is None:
            data.update({"created_at": firestore.SERVER_TIMESTAMP, "hidden": False, "reply": None, "replied_at": None})
        unit.put(ref, data)
        ratings = _apply(course, _visible_rating(current), None if hidden else rating)
        unit.update(course_ref, {**ratings, "updated_at": firestore.SERVER_TIMESTAMP})
        return (Saved.CREATED if current is None else Saved.UPDATED), course

    return run_atomically(body)


def set_hidden(
    course_id: str, student_uid: str, *, hidden: bool, by_uid: str, check: Callable[[dict | None, dict | None], None]
) -> tuple[Change, dict]:
    """Hide or show the feedback (its rating leaves or rejoins the average). Returns (outcome, the
    course as read before the change).

    `check(course, feedback)` runs on the fresh reads and raises to refuse."""
    course_ref, ref = _course_ref(course_id), _ref(course_id, student_uid)

    def body(unit: AtomicUnit) -> tuple[Change, dict]:
        course = unit.get(course_ref)
        current = unit.get(ref)
        check(course, current)
        if bool(current.get("hidden")) == hidden:
            return Change.UNCHANGED, course
        rating = int(current["rating"])
        ratings = _apply(course, rating if hidden else None, None if hidden else rating)
        unit.update(
            ref,
            {
                "hidden": hidden,
                "hidden_by": by_uid if hidden else None,
                "hidden_at": firestore.SERVER_TIMESTAMP if hidden else None,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )
        unit.update(course_ref, {**ratings, "updated_at": firestore.SERVER_TIMESTAMP})
        return Change.CHANGED, course

    return run_atomically(body)


def set_reply(
    course_id: str, student_uid: str, *, reply: str, by_uid: str, check: Callable[[dict | None], None]
) -> None:
    """Record the teacher's reply. `check(feedback)` runs on the fresh read and raises to refuse."""
    ref = _ref(course_id, student_uid)

    def body(unit: AtomicUnit) -> None:
        current = unit.get(ref)
        check(current)
        unit.update(
            ref,
            {
                "reply": reply,
                "reply_by": by_uid,
                "replied_at": firestore.SERVER_TIMESTAMP,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )

    run_atomically(body)


def list_feedback(*, course_id: str, include_hidden: bool, limit: int, cursor: str | None) -> Page:
    """One query: the course's feedback, newest post first; hidden ones only when asked."""
    query = _course_ref(course_id).collection(SUBCOLLECTION)
    if not include_hidden:
        query = query.where(filter=firestore.FieldFilter("hidden", "==", False))
    tag = f"feedback:{course_id}:{'all' if include_hidden else 'visible'}"
    return fetch_page(query, order=[("posted_at", DESCENDING)], limit=limit, cursor=cursor, tag=tag)


def rename_student(student_uid: str, student_name: str) -> int:
    """Follow a student's rename on all her feedback (collection-group query, batched updates)."""
    query = db().collection_group(SUBCOLLECTION).where(filter=firestore.FieldFilter("student_uid", "==", student_uid))
    return update_matching(query, {"student_name": student_name}, page_size=BATCH_SIZE)
