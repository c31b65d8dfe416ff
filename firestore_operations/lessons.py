"""The `lessons` collection and the per-teacher lock documents `teacher_schedules/{teacher_uid}`.

Lessons are top-level (generated ids) so that a teacher's schedule (`teacher_uid ==`) and a
student's (`course_id in [...]`) are single queries. See docs/data-model.md.

Why a lock document: a transaction's query locks the lessons it returns, not the gap where a new
lesson would go, so two simultaneous creates could each see "no clash" and both commit. Every write
that can create an overlap therefore reads and writes `teacher_schedules/{teacher_uid}` in the same
transaction: Firestore lets only one of two such transactions commit, and the other's retry sees
the first lesson. The same transaction keeps `courses/{id}.lesson_count` current.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.batches import delete_matching, update_matching
from firestore_operations.client import db
from firestore_operations.courses import COLLECTION as COURSES
from firestore_operations.documents import get_by_ids, snapshot_to_dict, valid_id
from firestore_operations.errors import Contention
from firestore_operations.pagination import (
    ASCENDING,
    DESCENDING,
    MAX_LIMIT,
    Page,
    decode_cursor,
    encode_cursor,
    fetch_page,
)

COLLECTION = "lessons"
LOCKS = "teacher_schedules"
SCHEDULED, CANCELLED = "scheduled", "cancelled"
MAX_DURATION = dt.timedelta(minutes=480)
# Firestore's `in` takes at most 30 values.
IN_CHUNK = 30
# Simultaneous writers for one teacher each need a turn: more attempts than the library's 5.
TRANSACTION_ATTEMPTS = 8
BACKOFF_BASE = 0.1  # seconds; doubled per attempt, capped
BACKOFF_CAP = 2.0


def _aborted(exc: Exception) -> google_exceptions.Aborted | None:
    if isinstance(exc, google_exceptions.Aborted):
        return exc
    if isinstance(exc, ValueError) and isinstance(exc.__cause__, google_exceptions.Aborted):
        return exc.__cause__  # the library's "failed to commit in N attempts"
    return None


def run_transaction(fn: Callable, *, attempts: int = TRANSACTION_ATTEMPTS):
    """Run `fn(transaction)` in a transaction, retried with jittered backoff when Firestore aborts it.

    The library alone retries only aborted commits, at once and in lockstep: simultaneous writers
    for one teacher then keep colliding (the emulator times their locks out together), and an
    aborted read is not retried at all. Random pauses let one writer through and the others' next
    attempt sees its lesson. The final Contention reaches the exception handler as 409 "contention".
    """
    for attempt in range(attempts):
        try:
            return firestore.transactional(fn)(db().transaction(max_attempts=1))
        except (google_exceptions.Aborted, ValueError) as exc:
            aborted = _aborted(exc)
            if aborted is None:
                raise
            if attempt == attempts - 1:
                raise Contention(str(aborted)) from exc
            pause = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
            time.sleep(random.uniform(0, pause))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")


def _valid_id(value: str) -> bool:
    return valid_id(value)


def _ref(lesson_id: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(lesson_id)


def _lock_ref(teacher_uid: str) -> firestore.DocumentReference:
    return db().collection(LOCKS).document(teacher_uid)


def ends_at(starts_at: dt.datetime, duration_minutes: int) -> dt.datetime:
    return starts_at + dt.timedelta(minutes=int(duration_minutes))


def get_lesson(lesson_id: str) -> dict | None:
    if not _valid_id(lesson_id):
        return None
    return snapshot_to_dict(_ref(lesson_id).get())


def get_lessons(lesson_ids: list[str]) -> dict[str, dict]:
    """Lessons by id in one batched lookup; missing ones are left out."""
    return get_by_ids([_ref(lesson_id) for lesson_id in dict.fromkeys(lesson_ids) if _valid_id(lesson_id)])


def _find_clash(
    transaction, teacher_uid: str, starts_at: dt.datetime, until: dt.datetime, ignore_id: str | None
) -> dict | None:
    """The teacher's first scheduled lesson overlapping [starts_at, until), read in the transaction.

    One range filter only: a clash must start before `until` and, lessons lasting at most
    MAX_DURATION, no earlier than MAX_DURATION before `starts_at`; its end is checked here.
    """
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
        .where(filter=firestore.FieldFilter("status", "==", SCHEDULED))
        .where(filter=firestore.FieldFilter("starts_at", ">=", starts_at - MAX_DURATION))
        .where(filter=firestore.FieldFilter("starts_at", "<", until))
        .order_by("starts_at")
    )
    for snap in transaction.get(query):
        lesson = snapshot_to_dict(snap)
        if lesson["id"] != ignore_id and lesson["ends_at"] > starts_at:
            return lesson
    return None


def _touch_lock(transaction, teacher_uid: str) -> None:
    transaction.set(
        _lock_ref(teacher_uid),
        {"teacher_uid": teacher_uid, "writes": firestore.Increment(1), "updated_at": firestore.SERVER_TIMESTAMP},
        merge=True,
    )


def create_lesson(values: dict, *, check: Callable[[dict | None, dict | None], None]) -> dict:
    """Write a new lesson if `check(course, clash)` lets it; +1 on the course's lesson_count.

    `values` holds course_id, teacher_uid, starts_at, duration_minutes and the descriptive fields.
    `check` runs inside the transaction (possibly more than once) and raises to refuse.
    """
    client = db()
    ref = client.collection(COLLECTION).document()
    course_ref = client.collection(COURSES).document(values["course_id"])
    lock_ref = _lock_ref(values["teacher_uid"])
    until = ends_at(values["starts_at"], values["duration_minutes"])

    def run(transaction) -> None:
        lock_ref.get(transaction=transaction)
        course = snapshot_to_dict(course_ref.get(transaction=transaction))
        clash = _find_clash(transaction, values["teacher_uid"], values["starts_at"], until, None) if course else None
        check(course, clash)
        transaction.create(
            ref,
            {
                **values,
                "ends_at": until,
                "status": SCHEDULED,
                "sequence": 0,
                "cancelled_at": None,
                "cancel_reason": "",
                "created_at": firestore.SERVER_TIMESTAMP,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )
        transaction.update(course_ref, {"lesson_count": firestore.Increment(1)})
        _touch_lock(transaction, values["teacher_uid"])

    run_transaction(run)
    return get_lesson(ref.id)


def update_lesson(
    lesson_id: str, changes: dict, *, teacher_uid: str, check: Callable[[dict | None, dict | None], None]
) -> tuple[dict, dict]:
    """Apply `changes` if `check(lesson, clash)` lets it; returns (before, after).

    A change of start or duration looks for a clash (the lesson itself excluded) under the teacher's
    lock; other changes leave the lock alone. `sequence` counts changes (iCalendar SEQUENCE).
    """
    ref = _ref(lesson_id)
    lock_ref = _lock_ref(teacher_uid)

    def run(transaction) -> dict:
        lock_ref.get(transaction=transaction)
        lesson = snapshot_to_dict(ref.get(transaction=transaction))
        if lesson is None:
            check(None, None)
            raise LookupError(lesson_id)  # check must refuse a missing lesson
        merged = {**lesson, **changes}
        until = ends_at(merged["starts_at"], merged["duration_minutes"])
        timing_changed = merged["starts_at"] != lesson["starts_at"] or until != lesson["ends_at"]
        clash = None
        if timing_changed and lesson.get("status") == SCHEDULED:
            clash = _find_clash(transaction, teacher_uid, merged["starts_at"], until, lesson_id)
        check(lesson, clash)
        transaction.update(
            ref,
            {
                **changes,
                "ends_at": until,
                "sequence": firestore.Increment(1),
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )
        if timing_changed:
            _touch_lock(transaction, teacher_uid)
        return lesson

    before = run_transaction(run)
    return before, get_lesson(lesson_id)


def cancel_lesson(lesson_id: str, *, reason: str, check: Callable[[dict | None], None]) -> tuple[dict, dict]:
    """Mark the lesson cancelled (it stays listed) and -1 on lesson_count; returns (before, after).

    Cancelling a cancelled lesson changes nothing (before["status"] tells the caller).
    """
    client = db()
    ref = _ref(lesson_id)

    def run(transaction) -> dict:
        lesson = snapshot_to_dict(ref.get(transaction=transaction))
        check(lesson)
        if lesson is None:
            raise LookupError(lesson_id)  # check must refuse a missing lesson
        if lesson.get("status") == CANCELLED:
            return lesson
        course_ref = client.collection(COURSES).document(lesson["course_id"])
        course_exists = course_ref.get(transaction=transaction).exists
        transaction.update(
            ref,
            {
                "status": CANCELLED,
                "cancel_reason": reason,
                "cancelled_at": firestore.SERVER_TIMESTAMP,
                "sequence": firestore.Increment(1),
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
        )
        if course_exists:
            transaction.update(course_ref, {"lesson_count": firestore.Increment(-1)})
        return lesson

    before = run_transaction(run)
    return before, get_lesson(lesson_id)


# --- lists --------------------------------------------------------------------------------------


def list_course_lessons(course_id: str, *, since: dt.datetime | None, limit: int, cursor: str | None) -> Page:
    """A course's lessons by start time, cancelled ones included; one query per page. Raises InvalidCursor."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("course_id", "==", course_id))
    if since is not None:
        query = query.where(filter=firestore.FieldFilter("starts_at", ">=", since))
    tag = f"lessons:{course_id}:{since.isoformat() if since else ''}"
    return fetch_page(query, order=[("starts_at", ASCENDING)], limit=limit, cursor=cursor, tag=tag)


def teacher_lessons_between(
    teacher_uid: str, start: dt.datetime, end: dt.datetime, *, limit: int, cursor: str | None
) -> Page:
    """Everything the teacher teaches starting in [start, end), by start time. Raises InvalidCursor."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
        .where(filter=firestore.FieldFilter("starts_at", ">=", start))
        .where(filter=firestore.FieldFilter("starts_at", "<", end))
    )
    tag = f"schedule:{teacher_uid}:{start.isoformat()}:{end.isoformat()}"
    return fetch_page(query, order=[("starts_at", ASCENDING)], limit=limit, cursor=cursor, tag=tag)


def course_lessons_between(
    course_ids: list[str], start: dt.datetime, end: dt.datetime, *, limit: int, cursor: str | None, tag: str
) -> Page:
    """The courses' lessons starting in [start, end), by start time: one query per 30 courses. Raises InvalidCursor."""

    def query(chunk: list[str]) -> firestore.Query:
        return (
            db()
            .collection(COLLECTION)
            .where(filter=firestore.FieldFilter("course_id", "in", chunk))
            .where(filter=firestore.FieldFilter("starts_at", ">=", start))
            .where(filter=firestore.FieldFilter("starts_at", "<", end))
        )

    return _merged_page(course_ids, query, direction=ASCENDING, limit=limit, cursor=cursor, tag=tag)


def past_lessons_of_courses(
    course_ids: list[str], *, before: dt.datetime, limit: int, cursor: str | None, tag: str
) -> Page:
    """The courses' non-cancelled lessons that started before `before`, newest first.

    One query per 30 courses. Raises InvalidCursor.
    """

    def query(chunk: list[str]) -> firestore.Query:
        return (
            db()
            .collection(COLLECTION)
            .where(filter=firestore.FieldFilter("course_id", "in", chunk))
            .where(filter=firestore.FieldFilter("status", "==", SCHEDULED))
            .where(filter=firestore.FieldFilter("starts_at", "<", before))
        )

    return _merged_page(course_ids, query, direction=DESCENDING, limit=limit, cursor=cursor, tag=tag)


def _merged_page(
    course_ids: list[str],
    make_query: Callable[[list[str]], firestore.Query],
    *,
    direction: str,
    limit: int,
    cursor: str | None,
    tag: str,
) -> Page:
    """One page ordered by starts_at over several `in` chunks: each chunk's query starts after the
    same cursor and fetches limit+1 rows; the merged rows are cut to `limit`.

    With up to 30 courses (nearly everyone) this is exactly one query per page.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    ids = list(dict.fromkeys(course_ids))
    if not ids:
        return Page(items=[])
    after = decode_cursor(cursor, tag, 1) if cursor else None
    snapshots = []
    for index in range(0, len(ids), IN_CHUNK):
        query = make_query(ids[index : index + IN_CHUNK])
        query = query.order_by("starts_at", direction=direction).order_by("__name__", direction=direction)
        if after:
            values, path = after
            query = query.start_after([*values, db().document(path)])
        snapshots += list(query.limit(limit + 1).stream())
    snapshots.sort(key=lambda snap: (snap.get("starts_at"), snap.reference.path), reverse=direction == DESCENDING)
    has_more = len(snapshots) > limit
    snapshots = snapshots[:limit]
    next_cursor = None
    if has_more:
        last = snapshots[-1]
        next_cursor = encode_cursor([last.get("starts_at")], last.reference.path, tag)
    return Page(items=[snapshot_to_dict(snap) for snap in snapshots], next_cursor=next_cursor)


def count_completed_lessons(course_id: str, *, now: dt.datetime) -> int:
    """Non-cancelled lessons of the course that have ended: one count() aggregation."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("course_id", "==", course_id))
        .where(filter=firestore.FieldFilter("status", "==", SCHEDULED))
        .where(filter=firestore.FieldFilter("ends_at", "<=", now))
    )
    result = query.count(alias="n").get()
    return int(result[0][0].value) if result else 0


def _of_course(course_id: str) -> firestore.Query:
    return db().collection(COLLECTION).where(filter=firestore.FieldFilter("course_id", "==", course_id))


def delete_course_lessons(course_id: str) -> int:
    """Delete every lesson of a course (a deleted course must not keep its teacher's calendar busy)."""
    return delete_matching(_of_course(course_id))


def update_course_title(course_id: str, title: str) -> int:
    """Keep the lessons' copy of the course title current."""
    return update_matching(_of_course(course_id), {"course_title": title})
