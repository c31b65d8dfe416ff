"""Analytics aggregates: daily counter documents (`analytics_daily`) and one summary per student and
course (`analytics_student_courses`). Shapes and the reasons for them: docs/analytics.md.

Recording is blind (merge writes with Increment / ArrayUnion, no read) and goes in one batch, so an
event costs one commit round-trip. Reports read a handful of aggregate documents, never events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id

DAILY = "analytics_daily"
STUDENT_COURSES = "analytics_student_courses"
# A batch holds at most 500 writes; an attendance sheet of more students goes in several commits.
MAX_WRITES_PER_BATCH = 450
PLATFORM, COURSE, TEACHER, STUDENT_COURSE = "platform", "course", "teacher", "student_course"
KINDS = (PLATFORM, COURSE, TEACHER, STUDENT_COURSE)
# Which label a report filters a kind's documents on.
LABELS = ("scope_id", "course_id", "teacher_uid", "student_uid")


@dataclass
class DailyIncrement:
    """Counts to add to one shard of one daily document, at one quarter-hour slot of the UTC day."""

    kind: str
    scope_id: str
    shard: int
    labels: dict = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    active_uid: str | None = None
    # (key, text, empty) of a catalog search, kept on platform documents only.
    query: tuple[str, str, bool] | None = None


@dataclass
class StudentCourseChange:
    """Blind changes to one student-course summary: fields to set, counters to add, attendance marks."""

    course_id: str
    student_uid: str
    fields: dict = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    marks: dict[str, dict] = field(default_factory=dict)  # lesson_id -> {"at": datetime, "s": status}


def daily_id(kind: str, scope_id: str, day: str, shard: int) -> str:
    return f"{kind}~{scope_id}~{day}~{shard}"


def student_course_id(course_id: str, student_uid: str) -> str:
    return f"{course_id}_{student_uid}"


def _daily_write(item: DailyIncrement, day: str, slot: int) -> tuple[firestore.DocumentReference, dict]:
    ref = db().collection(DAILY).document(daily_id(item.kind, item.scope_id, day, item.shard))
    data: dict = {"kind": item.kind, "scope_id": item.scope_id, "day": day, "shard": item.shard, **item.labels}
    if item.counts:
        data["s"] = {str(slot): {name: firestore.Increment(n) for name, n in item.counts.items()}}
    if item.active_uid:
        data["u"] = {item.active_uid: firestore.ArrayUnion([slot])}
    if item.query:
        key, text, empty = item.query
        data["q"] = {key: {"t": text, "n": firestore.Increment(1), "e": firestore.Increment(int(empty))}}
    return ref, data


def _summary_write(change: StudentCourseChange) -> tuple[firestore.DocumentReference, dict]:
    ref = db().collection(STUDENT_COURSES).document(student_course_id(change.course_id, change.student_uid))
    data = {"course_id": change.course_id, "student_uid": change.student_uid, **change.fields}
    for name, n in change.counts.items():
        data[name] = firestore.Increment(n)
    if change.marks:
        data["marks"] = change.marks
    data["updated_at"] = firestore.SERVER_TIMESTAMP
    return ref, data


def record(
    *, day: str, slot: int, increments: list[DailyIncrement], summaries: list[StudentCourseChange] | None = None
) -> None:
    """Apply every increment and summary change blindly, in one commit (several past MAX_WRITES_PER_BATCH).

    Raises whatever the commit raises; the caller decides that a lost count must not fail a request.
    """
    writes = [_daily_write(item, day, slot) for item in increments]
    writes += [_summary_write(change) for change in summaries or []]
    for start in range(0, len(writes), MAX_WRITES_PER_BATCH):
        batch = db().batch()
        for ref, data in writes[start : start + MAX_WRITES_PER_BATCH]:
            batch.set(ref, data, merge=True)
        batch.commit()


def daily_documents(*, kind: str, label: str, values: list[str], first_day: str, last_day: str) -> list[dict]:
    """Daily documents of one kind whose `label` is one of `values`, for UTC days first..last (one query per 30 values)."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label}")
    values = [value for value in dict.fromkeys(values) if value]
    found: list[dict] = []
    for start in range(0, len(values), 30):
        chunk = values[start : start + 30]
        query = db().collection(DAILY).where(filter=firestore.FieldFilter("kind", "==", kind))
        if len(chunk) == 1:
            query = query.where(filter=firestore.FieldFilter(label, "==", chunk[0]))
        else:
            query = query.where(filter=firestore.FieldFilter(label, "in", chunk))
        query = query.where(filter=firestore.FieldFilter("day", ">=", first_day)).where(
            filter=firestore.FieldFilter("day", "<=", last_day)
        )
        found += [snapshot_to_dict(snap) for snap in query.stream()]
    return found


def student_course_summaries(*, label: str, values: list[str]) -> list[dict]:
    """Student-course summaries whose `label` (course_id, teacher_uid, student_uid) is one of `values`."""
    if label not in ("course_id", "teacher_uid", "student_uid"):
        raise ValueError(f"unknown label {label}")
    values = [value for value in dict.fromkeys(values) if value]
    found: list[dict] = []
    for start in range(0, len(values), 30):
        chunk = values[start : start + 30]
        op, value = ("==", chunk[0]) if len(chunk) == 1 else ("in", chunk)
        query = db().collection(STUDENT_COURSES).where(filter=firestore.FieldFilter(label, op, value))
        found += [snapshot_to_dict(snap) for snap in query.stream()]
    return found


def all_student_course_summaries(*, limit: int) -> list[dict]:
    """Every summary, up to `limit` (the caller refuses a report past it)."""
    return [snapshot_to_dict(snap) for snap in db().collection(STUDENT_COURSES).limit(limit).stream()]


def iter_active_summaries(*, page_size: int = 300) -> Iterator[list[dict]]:
    """Summaries of active memberships, a page at a time (ordered by id, so none is skipped or repeated)."""
    last = None
    while True:
        query = (
            db()
            .collection(STUDENT_COURSES)
            .where(filter=firestore.FieldFilter("active", "==", True))
            .order_by("__name__")
            .limit(page_size)
        )
        if last is not None:
            query = query.start_after(last)
        snapshots = list(query.stream())
        if snapshots:
            yield [snapshot_to_dict(snap) for snap in snapshots]
        if len(snapshots) < page_size:
            return
        last = snapshots[-1]


def get_student_course(course_id: str, student_uid: str) -> dict | None:
    if not (valid_id(course_id) and valid_id(student_uid)):
        return None
    return snapshot_to_dict(db().collection(STUDENT_COURSES).document(student_course_id(course_id, student_uid)).get())


def set_warned(items: list[tuple[str, str, dt.datetime, str]]) -> None:
    """Remember when (and why) each (course, student) was last flagged, in batches."""
    for start in range(0, len(items), MAX_WRITES_PER_BATCH):
        batch = db().batch()
        for course_id, student_uid, at, reason in items[start : start + MAX_WRITES_PER_BATCH]:
            ref = db().collection(STUDENT_COURSES).document(student_course_id(course_id, student_uid))
            batch.set(ref, {"warned_at": at, "warn_reason": reason}, merge=True)
        batch.commit()


def set_summary_sent(items: list[tuple[str, str, str]]) -> None:
    """Remember the week of each parent's last summary about a child: (parent_uid, child_uid, week)."""
    for start in range(0, len(items), MAX_WRITES_PER_BATCH):
        batch = db().batch()
        for parent_uid, child_uid, week in items[start : start + MAX_WRITES_PER_BATCH]:
            ref = db().collection("analytics_parent_summaries").document(f"{parent_uid}_{child_uid}")
            batch.set(ref, {"parent_uid": parent_uid, "student_uid": child_uid, "week": week}, merge=True)
        batch.commit()


def summaries_sent(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The week each (parent, child) pair was last summarised, in one batched lookup."""
    refs = [
        db().collection("analytics_parent_summaries").document(f"{parent}_{child}")
        for parent, child in keys
        if valid_id(parent) and valid_id(child)
    ]
    if not refs:
        return {}
    found = {}
    for snap in db().get_all(refs):
        item = snapshot_to_dict(snap)
        if item:
            found[(item["parent_uid"], item["student_uid"])] = item.get("week", "")
    return found


def write_daily_documents(documents: list[tuple[str, dict]]) -> None:
    """Write whole daily documents (id, data) in big batches: the demo and the benchmark seed with it."""
    for start in range(0, len(documents), MAX_WRITES_PER_BATCH):
        batch = db().batch()
        for doc_id, data in documents[start : start + MAX_WRITES_PER_BATCH]:
            batch.set(db().collection(DAILY).document(doc_id), data)
        batch.commit()


def write_student_course_summaries(documents: list[tuple[str, dict]]) -> None:
    """Write whole summaries (id, data) in big batches (demo and benchmark)."""
    for start in range(0, len(documents), MAX_WRITES_PER_BATCH):
        batch = db().batch()
        for doc_id, data in documents[start : start + MAX_WRITES_PER_BATCH]:
            batch.set(db().collection(STUDENT_COURSES).document(doc_id), data)
        batch.commit()


def daily_document_exists(doc_id: str) -> bool:
    return db().collection(DAILY).document(doc_id).get().exists


def merge_student_course_marks(changes: list[tuple[str, dict]]) -> None:
    """Merge attendance marks into summaries by id, in batches (the demo)."""
    for start in range(0, len(changes), MAX_WRITES_PER_BATCH):
        batch = db().batch()
        for doc_id, marks in changes[start : start + MAX_WRITES_PER_BATCH]:
            batch.set(db().collection(STUDENT_COURSES).document(doc_id), {"marks": marks}, merge=True)
        batch.commit()
