"""The `chat_rooms/{room_id}/messages` subcollection. See docs/data-model.md.

A message and its room's update (counter, last-message preview) are one batch, committed only if
the room is unchanged since it was read (optimistic, see chat_rooms.commit_if_unchanged): two
writes per message whatever the room size (fewer when sends wait for each other: those a process
holds for one room at once share one batch and one room update). A process remembers the rooms it
last wrote a message to (room and update time): its next send to such a room skips the read and
commits on the remembered state, with the same precondition, so a change made anywhere else
meanwhile fails the commit and the send falls back to reading (one round trip instead of two for a
busy room). Message ids are derived from (room, sender, client_id),
so a retried send finds the message it already stored instead of storing it twice. Times are the
app server's clock at the write (so the answer needs no read-back); a room's order is `seq`, never
the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from google.api_core import exceptions as google_exceptions
from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.cloud import firestore

from firestore_operations.batches import delete_matching
from firestore_operations.chat_rooms import (
    commit_if_unchanged,
    field,
    get_room,
    room_ref,
    unchanged_since,
    valid_room_id,
)
from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.errors import Missing

COLLECTION = "messages"
# Sends to one room from one process take turns (striped locks, bounded memory): they would only
# invalidate each other's reads, and those that queue meanwhile go together in the next batch.
# Races between processes are left to the optimistic retry.
_ROOM_LOCKS = [threading.Lock() for _ in range(64)]
# room_id -> (room as after this process's last message in it, the room document's update time then).
_KNOWN_ROOMS: OrderedDict[str, tuple[dict, object]] = OrderedDict()
_KNOWN_ROOMS_MAX = 256
_KNOWN_ROOMS_LOCK = threading.Lock()
# room_id -> sends waiting for the room's lock, in arrival order; the lock's holder stores them all
# (up to _GROUP_MAX in one batch: Firestore takes 500 writes per commit).
_PENDING: dict[str, list] = {}
_PENDING_LOCK = threading.Lock()
_GROUP_MAX = 100


def _remember_room(room_id: str, room: dict | None, update_time) -> None:
    with _KNOWN_ROOMS_LOCK:
        if room is None:
            _KNOWN_ROOMS.pop(room_id, None)
            return
        _KNOWN_ROOMS[room_id] = (room, update_time)
        _KNOWN_ROOMS.move_to_end(room_id)
        while len(_KNOWN_ROOMS) > _KNOWN_ROOMS_MAX:
            _KNOWN_ROOMS.popitem(last=False)


def _known_room(room_id: str) -> tuple[dict, object] | None:
    with _KNOWN_ROOMS_LOCK:
        return _KNOWN_ROOMS.get(room_id)


def _stamp(update_time) -> str:
    return update_time.rfc3339()


def follow_room_write(room_id: str, write: dict) -> None:
    """Another process's message batch in a room (the `write` of add_message's room, carried by its
    live frame): when this process remembers the room exactly as it was before that batch, it moves
    its copy on, so its next send there needs no read either. Any other case forgets the copy (the
    next send reads); a frame the channel layer lost only costs that read."""
    with _KNOWN_ROOMS_LOCK:
        known = _KNOWN_ROOMS.get(room_id)
        if known is None:
            return
        room, update_time = known
        if _stamp(update_time) == write["after"]:
            return  # our own batch, or one we already followed
        if _stamp(update_time) != write["before"]:
            del _KNOWN_ROOMS[room_id]
            return
        seen = {**(room.get("seen_seq") or {}), **write["seen"]}
        room = {**room, "message_seq": write["message_seq"], "seen_seq": seen}
        _KNOWN_ROOMS[room_id] = (room, DatetimeWithNanoseconds.from_rfc3339(write["after"]))


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


@dataclass
class _Send:
    """One add_message call waiting for its room's turn; whoever holds the room's lock stores it."""

    sender_uid: str
    client_id: str
    content: str
    preview: str
    check: Callable[[dict | None], None]
    message_id: str
    result: tuple[dict, bool, dict] | None = None
    error: BaseException | None = None

    @property
    def finished(self) -> bool:
        return self.result is not None or self.error is not None


def add_message(
    room_id: str,
    *,
    sender_uid: str,
    client_id: str,
    content: str,
    preview: str,
    check: Callable[[dict | None], None],
) -> tuple[dict, bool, dict]:
    """Store a message (or find the one this client_id already stored). Returns (message, created, room).

    `check(room)` may raise to refuse (no room, not a member). The message and the room's counter
    and preview are one batch, committed only if the room is unchanged since it was read; the
    message is created only if its id is new (a concurrent retry of the same send finds it).
    Sends to one room that wait for each other in this process are stored together: one batch with
    every message and one room update, so a busy room is not limited by one round trip per message.
    """
    send = _Send(
        sender_uid=sender_uid,
        client_id=client_id,
        content=content,
        preview=preview,
        check=check,
        message_id=message_id_for(room_id, sender_uid, client_id),
    )
    with _PENDING_LOCK:
        _PENDING.setdefault(room_id, []).append(send)
    with _ROOM_LOCKS[zlib.crc32(room_id.encode()) % len(_ROOM_LOCKS)]:
        # The holder of the lock stores every send waiting for this room, its own among them; a
        # send stored by an earlier holder is finished by the time its own thread gets here.
        while not send.finished:
            with _PENDING_LOCK:
                waiting = _PENDING.pop(room_id, [])
                if len(waiting) > _GROUP_MAX:
                    _PENDING[room_id] = waiting[_GROUP_MAX:]
                    waiting = waiting[:_GROUP_MAX]
            _store_sends(room_id, waiting)
    if send.error is not None:
        raise send.error
    return send.result


def _store_sends(room_id: str, sends: list[_Send]) -> None:
    """Store the sends (from the remembered room, else after a read); every one ends with a result or an error."""
    try:
        if not _store_from_memory(room_id, sends):
            commit_if_unchanged(lambda: _store_after_read(room_id, sends))
    except Exception as exc:  # noqa: BLE001 - handed to each waiting caller, who raises it
        for send in sends:
            if not send.finished:
                send.error = exc


def _commit_new(room_id: str, room: dict, sends: list[_Send], before) -> tuple[list[dict], dict]:
    """Create the sends' messages (seq after the room's) and move the room on, in one batch, if the
    room document is still at update time `before`.

    Returns the messages and the room as it is after the batch (also remembered for the next send),
    with `write`: the batch's change to the room, for other processes (follow_room_write).
    Raises FailedPrecondition (the room changed), AlreadyExists (a message id exists), NotFound.
    """
    batch = db().batch()
    messages = []
    seen = {}
    seq = int(room.get("message_seq", 0))
    for send in sends:
        seq += 1
        message = {
            "room_id": room_id,
            "seq": seq,
            "sender_uid": send.sender_uid,
            "sender_name": (room.get("member_names") or {}).get(send.sender_uid, ""),
            "content": send.content,
            "client_id": send.client_id,
            "created_at": _now(),
            "edited_at": None,
            "deleted": False,
        }
        batch.create(_messages(room_id).document(send.message_id), message)
        message["id"] = send.message_id
        messages.append(message)
        seen[send.sender_uid] = seq
    last = _last_message(messages[-1], sends[-1].preview)
    changes = {"message_seq": seq, "last_message": last, "last_activity_at": firestore.SERVER_TIMESTAMP}
    changes.update({field("seen_seq", uid): value for uid, value in seen.items()})
    batch.update(room_ref(room_id), changes, option=db().write_option(last_update_time=before))
    update_time = batch.commit()[-1].update_time
    after = {**room, "message_seq": seq, "last_message": last, "seen_seq": {**(room.get("seen_seq") or {}), **seen}}
    _remember_room(room_id, after, update_time)
    write = {"before": _stamp(before), "after": _stamp(update_time), "message_seq": seq, "seen": seen}
    return messages, {**after, "write": write}


def _store_from_memory(room_id: str, sends: list[_Send]) -> bool:
    """The sends on the remembered room, without reading; False when they must read (anything unusual)."""
    known = _known_room(room_id)
    if known is None or len({send.message_id for send in sends}) != len(sends):
        return False
    room, update_time = known
    try:
        for send in sends:
            send.check(room)
    except Exception:  # noqa: BLE001 - the caller's refusal, on a copy: decide again on a fresh read
        _remember_room(room_id, None, None)
        return False
    try:
        messages, after = _commit_new(room_id, room, sends, update_time)
    except (google_exceptions.FailedPrecondition, google_exceptions.AlreadyExists, google_exceptions.NotFound):
        # Changed elsewhere since, a retried client_id, a deleted room: the read path decides.
        _remember_room(room_id, None, None)
        return False
    for send, message in zip(sends, messages, strict=True):
        send.result = (message, True, after)
    return True


def _store_after_read(room_id: str, sends: list[_Send]) -> None:
    """Read the room and the sends' message ids in one lookup, refuse or answer what must be, commit the rest.

    Raises FailedPrecondition when the room changed meanwhile (commit_if_unchanged reads again).
    """
    refs = [room_ref(room_id)] + [_messages(room_id).document(send.message_id) for send in sends]
    found = {snap.reference.path: snap for snap in db().get_all(refs)}
    room_snap = found[refs[0].path]
    room = snapshot_to_dict(room_snap)
    outcomes: dict[int, tuple] = {}
    new: list[_Send] = []
    first_of: dict[str, _Send] = {}
    for index, send in enumerate(sends):
        try:
            send.check(room)
        except Exception as exc:  # noqa: BLE001 - this caller's refusal, raised in its own thread
            outcomes[index] = ("error", exc)
            continue
        message_snap = found[refs[index + 1].path]
        if message_snap.exists:
            outcomes[index] = ("result", (snapshot_to_dict(message_snap), False, room))
        elif send.message_id in first_of:
            outcomes[index] = ("same", first_of[send.message_id])  # the same send twice, concurrently
        else:
            first_of[send.message_id] = send
            new.append(send)
    created = {}
    if new:
        try:
            messages, after = _commit_new(room_id, room, new, room_snap.update_time)
        except google_exceptions.AlreadyExists:
            # The same send, retried concurrently in another process, got in first: read again.
            raise google_exceptions.FailedPrecondition("message created concurrently") from None
        created = {send.message_id: (message, True, after) for send, message in zip(new, messages, strict=True)}
    for index, send in enumerate(sends):
        kind, value = outcomes.get(index, ("new", None))
        if kind == "error":
            send.error = value
        elif kind == "result":
            send.result = value
        elif kind == "same":
            message, _, after = created[value.message_id]
            send.result = (message, False, after)
        else:
            send.result = created[send.message_id]


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
    if not valid_message_id(message_id):
        # An id Firestore cannot store names no message; `decide` words the refusal (room or message).
        decide(get_room(room_id), None)
        raise Missing(f"rooms/{room_id}/messages/{message_id}")

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
            _remember_room(room_id, None, None)  # its next send reads the room again
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
