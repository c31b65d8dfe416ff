"""The `chat_read_state` collection: one document per user (id = uid) holding every room's read mark.

{rooms: {room_id: {last_read_seq, last_read_message_id, read_at}}}. One document per user keeps the
rooms list at one query plus one lookup, and a message costs no write per member: unread counts are
`room.message_seq - last_read_seq` computed on read.
"""

from __future__ import annotations

import datetime as dt

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.chat_rooms import commit_if_unchanged, field, unchanged_since
from firestore_operations.client import db
from firestore_operations.documents import valid_id

COLLECTION = "chat_read_state"


def _ref(uid: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(uid)


def get_read_states(uids: list[str]) -> dict[str, dict]:
    """{uid: {room_id: mark}} for the users in one lookup; users without a document map to {}."""
    wanted = [uid for uid in dict.fromkeys(uids) if valid_id(uid)]
    states: dict[str, dict] = {uid: {} for uid in wanted}
    if not wanted:
        return states
    for snap in db().get_all([_ref(uid) for uid in wanted]):
        if snap.exists:
            states[snap.id] = (snap.to_dict() or {}).get("rooms") or {}
    return states


def get_read_state(uid: str) -> dict:
    return get_read_states([uid]).get(uid, {})


def mark_read(uid: str, room_id: str, *, seq: int, message_id: str, now: dt.datetime) -> tuple[dict, bool]:
    """Move the user's read mark in the room forward to `seq` (never back). Returns (mark, moved)."""
    ref = _ref(uid)

    def attempt() -> tuple[dict, bool]:
        snapshot = ref.get()
        current = ((snapshot.to_dict() or {}).get("rooms") or {}).get(room_id) if snapshot.exists else None
        if current and int(current.get("last_read_seq", 0)) >= seq:
            return current, False
        mark = {"last_read_seq": seq, "last_read_message_id": message_id, "read_at": now}
        try:
            if snapshot.exists:
                ref.update({field("rooms", room_id): mark}, option=unchanged_since(snapshot))
            else:
                ref.create({"rooms": {room_id: mark}})
        except google_exceptions.AlreadyExists:
            raise google_exceptions.FailedPrecondition("read state created concurrently") from None
        return mark, True

    return commit_if_unchanged(attempt)
