"""The `chat_rooms/{room_id}/messages` subcollection. See docs/data-model.md.

A message and its room's update (counter, last-message preview) are one batch, committed only if
the room is unchanged since it was read (optimistic, see chat_rooms.commit_if_unchanged): two
writes per message whatever the room size. Message ids are derived from (room, sender, client_id),
so a retried send finds the message it already stored instead of storing it twice. Times are the
app server's clock at the write (so the answer needs no read-back); a room's order is `seq`, never
the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import zlib
from collections.abc import Callable

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from firestore_operations.batches import delete_matching
from firestore_operations.chat_rooms import commit_if_unchanged, field, room_ref, unchanged_since, valid_room_id
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.outbox import OutboxWrite, add_to_batch

COLLECTION = "messages"
# Sends to one room from one process take turns (striped locks, bounded memory): they would only
# invalidate each other's reads. Races between processes are left to the optimistic retry.
_ROOM_LOCKS = [threading.Lock() for _ in range(64)]


def _messages(room_id: str) -> firestore.CollectionReference:
    return room_ref(room_id).collection(COLLECTION)


def message_id_for(room_id: str, sender_uid: str, client_id: str) -> str:
    return hashlib.sha256(f"{room_id}\n{sender_uid}\n{client_id}".encode()).hexdigest()[:32]


def valid_message_id(message_id: str) -> bool:
    return valid_id(message_id, max_length=64)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _last_message(message: dict, preview: str) -> dict:
    return {
        "id": message["id"],
        "seq": message["seq"],
        "sender_uid": message["sender_uid"],
        "sender_name": message["sender_name"],
        "preview": preview,
        "created_at": message["created_at"],
        "edited": bool(message.get("edited_at")),
        "deleted": bool(message.get("deleted")),
    }


def _read_pair(room_id: str, message_id: str):
    """Snapshots of the room and one of its messages, in a single lookup."""
    room_ref_, message_ref = room_ref(room_id), _messages(room_id).document(message_id)
    found = {snap.reference.path: snap for snap in db().get_all([room_ref_, message_ref])}
    return found[room_ref_.path], found[message_ref.path]


def add_message(
    room_id: str,
    *,
    sender_uid: str,
    client_id: str,
    content: str,
    preview: str,
    check: Callable[[dict | None], None],
    side_effects: Callable[[dict, dict], list[OutboxWrite]] | None = None,
) -> tuple[dict, bool, dict]:
    """Store a message (or find the one this client_id already stored). Returns (message, created, room).

    `check(room)` may raise to refuse (no room, not a member). The message and the room's counter
    and preview are one batch, committed only if the room is unchanged since it was read; the
    message is created only if its id is new (a concurrent retry of the same send finds it).
    `side_effects(room, message)` returns outbox entries committed in that same batch (called again
    on every attempt: the caller keeps the last call's entries).
    """
    message_id = message_id_for(room_id, sender_uid, client_id)

    def attempt() -> tuple[dict, bool, dict]:
        room_snap, message_snap = _read_pair(room_id, message_id)
        room = snapshot_to_dict(room_snap)
        check(room)
        if message_snap.exists:
            return snapshot_to_dict(message_snap), False, room
        seq = int(room.get("message_seq", 0)) + 1
        message = {
            "room_id": room_id,
            "seq": seq,
            "sender_uid": sender_uid,
            "sender_name": (room.get("member_names") or {}).get(sender_uid, ""),
            "content": content,
            "client_id": client_id,
            "created_at": _now(),
            "edited_at": None,
            "deleted": False,
        }
        batch = db().batch()
        batch.create(message_snap.reference, message)
        message["id"] = message_id
        last = _last_message(message, preview)
        batch.update(
            room_snap.reference,
            {
                "message_seq": seq,
                "last_message": last,
                "last_activity_at": firestore.SERVER_TIMESTAMP,
                field("seen_seq", sender_uid): seq,
            },
            option=unchanged_since(room_snap),
        )
        if side_effects is not None:
            add_to_batch(batch, side_effects(room, message))
        try:
            batch.commit()
        except google_exceptions.AlreadyExists:
            # The same send, retried concurrently, got in first: answer with its message.
            raise google_exceptions.FailedPrecondition("message created concurrently") from None
        room.update({"message_seq": seq, "last_message": last})
        return message, True, room

    with _ROOM_LOCKS[zlib.crc32(room_id.encode()) % len(_ROOM_LOCKS)]:
        return commit_if_unchanged(attempt)


def change_message(
    room_id: str,
    message_id: str,
    *,
    decide: Callable[[dict | None, dict | None], dict | None],
    preview: Callable[[dict], str],
) -> tuple[dict, bool]:
    """Edit or tombstone a message unless it (or its room) changed meanwhile. Returns (message after, changed).

    `decide(room, message)` raises to refuse and returns the field changes (None: nothing to do).
    When the message is the room's last one, the room's preview follows in the same batch.
    """

    def attempt() -> tuple[dict, bool]:
        room_snap, message_snap = _read_pair(room_id, message_id)
        room, message = snapshot_to_dict(room_snap), snapshot_to_dict(message_snap)
        changes = decide(room, message)
        if not changes:
            return message, False
        batch = db().batch()
        batch.update(message_snap.reference, changes, option=unchanged_since(message_snap))
        message.update(changes)
        if (room.get("last_message") or {}).get("id") == message_id:
            batch.update(
                room_snap.reference,
                {"last_message": _last_message(message, preview(message))},
                option=unchanged_since(room_snap),
            )
        batch.commit()
        return message, True

    return commit_if_unchanged(attempt)


def get_message(room_id: str, message_id: str) -> dict | None:
    if not valid_message_id(message_id):
        return None
    return snapshot_to_dict(_messages(room_id).document(message_id).get())


def list_messages(
    room_id: str, *, before_seq: int | None = None, after_seq: int | None = None, limit: int
) -> tuple[list[dict], bool]:
    """One page in seq order (oldest first) and whether more exist in the paging direction.

    Default: the newest `limit` messages. `before_seq`: the `limit` just before it. `after_seq`: the
    `limit` just after it (catch-up). One query on `seq` (a single-field index).
    """
    query = _messages(room_id)
    forward = after_seq is not None
    if forward:
        query = query.where(filter=firestore.FieldFilter("seq", ">", after_seq))
    elif before_seq is not None:
        query = query.where(filter=firestore.FieldFilter("seq", "<", before_seq))
    direction = firestore.Query.ASCENDING if forward else firestore.Query.DESCENDING
    snapshots = list(query.order_by("seq", direction=direction).limit(limit + 1).stream())
    has_more = len(snapshots) > limit
    items = [snapshot_to_dict(snap) for snap in snapshots[:limit]]
    if not forward:
        items.reverse()
    return items, has_more


def delete_room_and_messages(room_id: str) -> int:
    """Delete a room's messages, then the room; returns how many messages went."""
    if not valid_room_id(room_id):
        return 0
    deleted = delete_matching(_messages(room_id))
    room_ref(room_id).delete()
    return deleted
