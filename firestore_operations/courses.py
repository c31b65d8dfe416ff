"""The `courses` collection (document id = generated course id). See docs/data-model.md."""

from __future__ import annotations

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict

COLLECTION = "courses"


def get_course(course_id: str) -> dict | None:
    if not course_id or "/" in course_id:
        return None
    return snapshot_to_dict(db().collection(COLLECTION).document(course_id).get())
