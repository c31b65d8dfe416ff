"""Turning snapshots into the plain dicts the rest of the code works with."""

from __future__ import annotations

import datetime as dt

from google.cloud import firestore
from google.cloud.firestore_v1.base_document import DocumentSnapshot

from firestore_operations.client import db

SERVER_TIMESTAMP_FIELDS = ("created_at", "updated_at")


def snapshot_to_dict(snapshot: DocumentSnapshot) -> dict | None:
    """The document's fields plus its id, or None when it does not exist."""
    if not snapshot.exists:
        return None
    data = snapshot.to_dict() or {}
    data["id"] = snapshot.id
    return data


def valid_id(value: object, *, max_length: int = 200) -> bool:
    """Whether `value` can name a document. Firestore refuses "/", "." and "..", ids like "__x__" and
    very long ids with an InvalidArgument error (a 500 if it escaped): every lookup by a client's id
    checks here first and treats a bad id as a missing document."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= max_length
        and "/" not in value
        and value not in (".", "..")
        and not value.startswith("__")
    )


def get_by_ids(refs: list[firestore.DocumentReference]) -> dict[str, dict]:
    """Documents by id in one batched lookup (one round trip); missing ones are left out."""
    if not refs:
        return {}
    return {item["id"]: item for snap in db().get_all(refs) if (item := snapshot_to_dict(snap))}


def iso(value) -> str | None:
    """Firestore timestamps come back as datetimes in UTC; the API speaks ISO 8601."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def server_time():
    """A value that Firestore replaces with its own commit time (for fields such as published_at)."""
    return firestore.SERVER_TIMESTAMP
