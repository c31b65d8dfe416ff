"""The `devices` collection: push tokens, id = sha256 of the token.

Top-level with the owner in `uid`, not a subcollection: the id makes a token unique across all
users (a phone that changes hands moves its token to the new user in the same write), and one
`uid in [...]` query finds the devices of up to 30 recipients at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from google.cloud import firestore

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict

COLLECTION = "devices"
IN_QUERY_MAX = 30  # Firestore's limit of values in an `in` filter
# More than any user has; bounds the read if the per-user cap was ever bypassed.
LIST_MAX = 100
NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def device_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ref(token: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(device_id(token))


def _of_user(uid: str) -> firestore.Query:
    return db().collection(COLLECTION).where(filter=firestore.FieldFilter("uid", "==", uid)).limit(LIST_MAX)


def register_device(uid: str, *, token: str, platform: str, max_devices: int) -> tuple[dict, bool, int]:
    """Claim the token for `uid` in one transaction, evicting the user's least recently registered
    devices beyond `max_devices`. Returns (device, created, evicted count); created is False when the
    user already had this token (it is refreshed instead)."""
    client = db()
    ref = _ref(token)

    @firestore.transactional
    def run(transaction):
        existing = snapshot_to_dict(ref.get(transaction=transaction))
        mine = [snapshot_to_dict(snap) for snap in transaction.get(_of_user(uid))]
        others = [item for item in mine if item["id"] != ref.id]
        others.sort(key=lambda item: item.get("registered_at") or NEVER)
        evict = others[: max(0, len(others) - (max_devices - 1))]
        for item in evict:
            transaction.delete(client.collection(COLLECTION).document(item["id"]))
        created = existing is None or existing.get("uid") != uid
        values = {"uid": uid, "token": token, "platform": platform, "registered_at": firestore.SERVER_TIMESTAMP}
        if created:
            values["created_at"] = firestore.SERVER_TIMESTAMP
        transaction.set(ref, values, merge=True)
        return created, len(evict)

    created, evicted = run(client.transaction())
    return snapshot_to_dict(ref.get()), created, evicted


def list_devices(uid: str) -> list[dict]:
    return [snapshot_to_dict(snap) for snap in _of_user(uid).stream()]


def delete_device(uid: str, token: str) -> bool:
    """Remove the token if `uid` owns it; False when it is unknown or someone else's."""
    client = db()
    ref = _ref(token)

    @firestore.transactional
    def run(transaction):
        existing = snapshot_to_dict(ref.get(transaction=transaction))
        if existing is None or existing.get("uid") != uid:
            return False
        transaction.delete(ref)
        return True

    return run(client.transaction())


def tokens_for_users(uids: list[str]) -> dict[str, list[str]]:
    """{uid: [token, ...]} for the users who have devices; one query per 30 users."""
    uids = list(dict.fromkeys(uid for uid in uids if uid))
    found: dict[str, list[str]] = {}
    for start in range(0, len(uids), IN_QUERY_MAX):
        chunk = uids[start : start + IN_QUERY_MAX]
        query = db().collection(COLLECTION).where(filter=firestore.FieldFilter("uid", "in", chunk))
        for snap in query.stream():
            data = snap.to_dict() or {}
            if data.get("token"):
                found.setdefault(data["uid"], []).append(data["token"])
    return found


def delete_tokens(tokens: list[str]) -> None:
    """Forget tokens the push service reported as no longer registered."""
    tokens = list(dict.fromkeys(tokens))
    for start in range(0, len(tokens), 500):
        batch = db().batch()
        for token in tokens[start : start + 500]:
            batch.delete(_ref(token))
        batch.commit()


def delete_devices_of_user(uid: str) -> None:
    batch = db().batch()
    for snap in _of_user(uid).stream():
        batch.delete(snap.reference)
    batch.commit()
