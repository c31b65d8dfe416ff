"""Course materials: the subcollection `courses/{course_id}/materials/{material_id}`. See docs/data-model.md.

A subcollection because every read is per course: the list is one query on the course's own
collection (ordered by created_at, no composite index), and a material id from another course cannot
be looked up through the wrong course. The file itself lives in Cloud Storage at `storage_path`.
"""

from __future__ import annotations

from collections.abc import Iterator

from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.pagination import DESCENDING, Page, fetch_page

PARENT_COLLECTION = "courses"
COLLECTION = "materials"


def _valid_id(value: str) -> bool:
    return valid_id(value)


def _collection(course_id: str) -> firestore.CollectionReference:
    return db().collection(PARENT_COLLECTION).document(course_id).collection(COLLECTION)


def new_material_id(course_id: str) -> str:
    """A fresh document id (no write), so the blob can be stored under it before the document exists."""
    return _collection(course_id).document().id


def create_material(course_id: str, material_id: str, data: dict) -> None:
    _collection(course_id).document(material_id).create({**data, "created_at": firestore.SERVER_TIMESTAMP})


def get_material(course_id: str, material_id: str) -> dict | None:
    if not _valid_id(course_id) or not _valid_id(material_id):
        return None
    return snapshot_to_dict(_collection(course_id).document(material_id).get())


def list_materials(course_id: str, *, limit: int, cursor: str | None) -> Page:
    """Newest first, one query per page. Raises InvalidCursor."""
    return fetch_page(
        _collection(course_id),
        order=[("created_at", DESCENDING)],
        limit=limit,
        cursor=cursor,
        tag=f"materials:{course_id}",
    )


def delete_material(course_id: str, material_id: str) -> None:
    _collection(course_id).document(material_id).delete()


def iter_course_materials(course_id: str) -> Iterator[dict]:
    """Every material of a course (id and storage_path only), for removing a course's files."""
    for snap in _collection(course_id).select(["storage_path"]).stream():
        yield snapshot_to_dict(snap)
