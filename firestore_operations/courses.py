"""The `courses` collection (document id = generated course id). See docs/data-model.md.

Lists filter with equality on scalar fields (status, subject_key, level, language_key, is_free,
teacher_uid) plus one order field, each shape with its composite index in firestore.indexes.json,
and read only the fields a list shows (a projection), never the derived search data.
Search does not query this collection: it reads the postings in `course_search` (see
firestore_operations/course_search.py) and then fetches one page of courses by id (`get_courses`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations import documents
from firestore_operations.atomic import AtomicUnit, run_atomically
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict
from firestore_operations.enrollments import COLLECTION as ENROLLMENTS
from firestore_operations.errors import Missing
from firestore_operations.pagination import DESCENDING, Page, fetch_page

COLLECTION = "courses"
BATCH_SIZE = 400  # Firestore takes at most 500 writes per batch; stay clear of it.
SORT_FIELDS = {
    "newest": "published_at",
    "created": "created_at",
    "rating": "rating_avg",
    "popularity": "enrolled_count",
}


def _ref(course_id: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(course_id)


def valid_id(course_id: str) -> bool:
    return documents.valid_id(course_id)


def get_course(course_id: str) -> dict | None:
    if not valid_id(course_id):
        return None
    return snapshot_to_dict(_ref(course_id).get())


def new_course_id() -> str:
    return db().collection(COLLECTION).document().id


def create_course(course_id: str, data: dict) -> bool:
    """Write a new course; False when the id is taken. `published_at` is server time when published."""
    stamps = {"created_at": firestore.SERVER_TIMESTAMP, "updated_at": firestore.SERVER_TIMESTAMP}
    if data.get("status") == "published":
        stamps["published_at"] = firestore.SERVER_TIMESTAMP
    try:
        _ref(course_id).create({**data, **stamps})
    except google_exceptions.AlreadyExists:
        return False
    return True


def create_courses_in_batches(docs: dict[str, dict]) -> int:
    """Bulk-write courses by id (benchmarks); existing ids are overwritten; given timestamps are kept."""
    written = 0
    items = list(docs.items())
    for start in range(0, len(items), BATCH_SIZE):
        batch = db().batch()
        for course_id, data in items[start : start + BATCH_SIZE]:
            doc = {"created_at": firestore.SERVER_TIMESTAMP, "updated_at": firestore.SERVER_TIMESTAMP, **data}
            if doc.get("status") == "published" and doc.get("published_at") is None:
                doc["published_at"] = firestore.SERVER_TIMESTAMP
            batch.set(_ref(course_id), doc)
        batch.commit()
        written += len(items[start : start + BATCH_SIZE])
    return written


def set_course_fields(course_id: str, changes: dict) -> None:
    """Update fields no transaction guards (cover, copies). Raises Missing for a missing course."""
    try:
        _ref(course_id).update({**changes, "updated_at": firestore.SERVER_TIMESTAMP})
    except google_exceptions.NotFound as exc:
        raise Missing(f"no course {course_id}") from exc


def update_courses_in_batches(changes_by_id: dict[str, dict]) -> None:
    items = list(changes_by_id.items())
    for start in range(0, len(items), BATCH_SIZE):
        batch = db().batch()
        for course_id, changes in items[start : start + BATCH_SIZE]:
            batch.update(_ref(course_id), {**changes, "updated_at": firestore.SERVER_TIMESTAMP})
        batch.commit()


def iter_teacher_courses(teacher_uid: str) -> Iterator[dict]:
    """Every course of the teacher, read in pages (a rename touches all of them)."""
    query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("teacher_uid", "==", teacher_uid))
    return _iter_pages(query)


def iter_all_courses() -> Iterator[dict]:
    """Every course, read in pages (rebuilding derived fields and the search index)."""
    return _iter_pages(db().collection(COLLECTION))


def _iter_pages(query) -> Iterator[dict]:
    last = None
    while True:
        page_query = query.order_by("__name__").limit(BATCH_SIZE)
        if last is not None:
            page_query = page_query.start_after(last)
        snapshots = list(page_query.stream())
        for snap in snapshots:
            yield snapshot_to_dict(snap)
        if len(snapshots) < BATCH_SIZE:
            return
        last = snapshots[-1]


class RemoveOutcome(enum.Enum):
    MISSING = "missing"
    DELETED = "deleted"
    ARCHIVED = "archived"


def delete_or_archive_course(course_id: str, archive_changes: dict) -> RemoveOutcome:
    """Delete the course, or archive it (apply archive_changes) when any enrolment exists, atomically.

    Every enrolment rewrites the course document, so an enrolment committing meanwhile makes the
    conditional delete fail and the unit run again, now finding the enrolment (and archiving).
    """
    ref = _ref(course_id)
    has_enrollment = (
        db().collection(ENROLLMENTS).where(filter=firestore.FieldFilter("course_id", "==", course_id)).limit(1)
    )

    def body(unit: AtomicUnit) -> str:
        if unit.get(ref) is None:
            return RemoveOutcome.MISSING
        if unit.query(has_enrollment):
            unit.update(ref, {**archive_changes, "updated_at": firestore.SERVER_TIMESTAMP})
            return RemoveOutcome.ARCHIVED
        unit.delete(ref)
        return RemoveOutcome.DELETED

    return run_atomically(body)


def list_courses(
    *,
    equals: dict[str, object],
    sort: str,
    limit: int,
    cursor: str | None,
    fields: tuple[str, ...] | None = None,
    keep=None,
) -> Page:
    """One query: courses whose fields equal `equals`, by the sort field, newest first on ties.

    `fields` projects the read onto the fields a list shows (the sort field is always read);
    `keep` drops rows on filters the query does not carry (a short page, the cursor moves on).
    """
    field = SORT_FIELDS[sort]
    query = db().collection(COLLECTION)
    for name, value in sorted(equals.items()):
        query = query.where(filter=firestore.FieldFilter(name, "==", value))
    if fields is not None:
        query = query.select(sorted({*fields, field}))
    tag = "courses:" + ",".join(f"{name}={value}" for name, value in sorted(equals.items())) + f":{sort}"
    return fetch_page(query, order=[(field, DESCENDING)], limit=limit, cursor=cursor, tag=tag, keep=keep)


def get_courses(course_ids: list[str], *, fields: tuple[str, ...] | None = None) -> dict[str, dict]:
    """The courses by id in one batched read (missing ids are left out), projected onto `fields`."""
    refs = [_ref(course_id) for course_id in dict.fromkeys(course_ids) if valid_id(course_id)]
    if not refs:
        return {}
    snapshots = db().get_all(refs, field_paths=sorted(fields) if fields is not None else None)
    found = {}
    for snap in snapshots:
        if snap.exists:
            found[snap.id] = snapshot_to_dict(snap)
    return found
