"""The `users` collection: one profile per Firebase Auth uid (document id = uid)."""

from __future__ import annotations

from collections.abc import Iterator

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import get_by_ids, snapshot_to_dict, valid_id
from firestore_operations.errors import Missing
from firestore_operations.pagination import ASCENDING, Page, fetch_page

COLLECTION = "users"


def _ref(uid: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(uid)


def create_profile(uid: str, data: dict) -> bool:
    """Write a new profile; False when one already exists for the uid."""
    try:
        _ref(uid).create({**data, "created_at": firestore.SERVER_TIMESTAMP, "updated_at": firestore.SERVER_TIMESTAMP})
    except google_exceptions.AlreadyExists:
        return False
    return True


def get_profile(uid: str) -> dict | None:
    if not valid_id(uid):
        return None
    return snapshot_to_dict(_ref(uid).get())


def get_profiles(uids: list[str]) -> dict[str, dict]:
    """Profiles by uid in one batched lookup; missing ones are left out."""
    return get_by_ids([_ref(uid) for uid in dict.fromkeys(uids) if valid_id(uid)])


def update_profile(uid: str, changes: dict) -> None:
    """Apply field changes (dotted paths allowed). Raises Missing when there is no profile."""
    try:
        _ref(uid).update({**changes, "updated_at": firestore.SERVER_TIMESTAMP})
    except google_exceptions.NotFound as exc:
        raise Missing(f"no profile {uid}") from exc


def list_account_states() -> Iterator[dict]:
    """Every profile's {uid, role, disabled}, streamed (one read per profile; only those fields travel)."""
    for snapshot in db().collection(COLLECTION).select(["role", "disabled"]).stream():
        data = snapshot.to_dict() or {}
        yield {"uid": snapshot.id, "role": data.get("role"), "disabled": bool(data.get("disabled"))}


def delete_profile(uid: str) -> None:
    _ref(uid).delete()


def search_profiles(
    *,
    token: str | None,
    subject: str | None,
    role: str | None,
    disabled: bool | None,
    limit: int,
    cursor: str | None,
    keep=None,
    with_email: bool = False,
) -> Page:
    """One query: at most one array filter (a search token, else a subject), equality filters, by name.

    Tokens come from names only (`name_tokens`), or from names and email addresses (`search_tokens`)
    `with_email`: only admins may match on email, or search would reveal hidden addresses.
    """
    query = db().collection(COLLECTION)
    if token:
        field = "search_tokens" if with_email else "name_tokens"
        query = query.where(filter=firestore.FieldFilter(field, "array_contains", token))
    elif subject:
        query = query.where(filter=firestore.FieldFilter("subjects_lower", "array_contains", subject))
    if role:
        query = query.where(filter=firestore.FieldFilter("role", "==", role))
    if disabled is not None:
        query = query.where(filter=firestore.FieldFilter("disabled", "==", disabled))
    return fetch_page(query, order=[("sort_name", ASCENDING)], limit=limit, cursor=cursor, tag="users", keep=keep)


def link_parent_and_child(parent_uid: str, child_uid: str) -> None:
    """Record the link on both profiles in one batch."""
    batch = db().batch()
    batch.update(_ref(parent_uid), {"parent.children": firestore.ArrayUnion([child_uid])})
    batch.update(_ref(child_uid), {"student.parents": firestore.ArrayUnion([parent_uid])})
    batch.commit()


def unlink_parent_and_child(parent_uid: str, child_uid: str) -> None:
    batch = db().batch()
    for uid, field, other in ((parent_uid, "parent.children", child_uid), (child_uid, "student.parents", parent_uid)):
        if get_profile(uid) is not None:
            batch.update(_ref(uid), {field: firestore.ArrayRemove([other])})
    batch.commit()
