"""The `chat_rooms` collection: one document per room (direct, group or course). See docs/data-model.md.

A room document carries everything the rooms list shows (last message preview, message counter,
display names), so the list is one query. Per-member data lives in maps keyed by uid and is read
through projections, so a 200-member course room does not ship 200 names with every list page.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from firestore_operations.client import db
from firestore_operations.documents import snapshot_to_dict, valid_id
from firestore_operations.errors import Contention
from firestore_operations.pagination import DESCENDING, Page, fetch_page

T = TypeVar("T")

COLLECTION = "chat_rooms"
DIRECT, GROUP, COURSE = "direct", "group", "course"
KINDS = (DIRECT, GROUP, COURSE)
# The fields a rooms list row needs; per-member maps are narrowed to the reader's own entry.
LIST_FIELDS = (
    "kind",
    "name",
    "course_id",
    "created_by",
    "member_count",
    "last_message",
    "message_seq",
    "last_activity_at",
)


def commit_if_unchanged(attempt: Callable[[], T], *, attempts: int = 12) -> T:
    """Run `attempt()` - read, check, commit one batch with preconditions on what it read - until no
    concurrent change slipped in between (FailedPrecondition). Used by every chat write.

    Optimistic and lock-free on purpose: Firestore transactions lock what they read, and two
    concurrent sends to one room then wait on each other (on the emulator: "Transaction lock
    timeout" after seconds). Here the loser of a race re-reads after a short random pause.
    Raises Contention after `attempts` tries (the API answers 409 "contention").
    """
    for attempt_number in range(attempts):
        try:
            return attempt()
        except google_exceptions.FailedPrecondition:
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt_number)))  # noqa: S311 - jitter
    raise Contention("Too many simultaneous changes to one chat document.")


def unchanged_since(snapshot):
    """A write precondition: the (existing) document is still as it was read."""
    return db().write_option(last_update_time=snapshot.update_time)


def field(*parts: str) -> str:
    """A field path with each part quoted as needed (uids and room ids become map keys)."""
    return FieldPath(*parts).to_api_repr()


def valid_room_id(room_id: str) -> bool:
    return valid_id(room_id)


def direct_room_id(uid_a: str, uid_b: str) -> str:
    """One direct room per pair, whoever opens it first."""
    return "dm_" + "_".join(sorted((uid_a, uid_b)))


def course_room_id(course_id: str) -> str:
    return f"course_{course_id}"


def room_ref(room_id: str) -> firestore.DocumentReference:
    return db().collection(COLLECTION).document(room_id)


def new_room(
    kind: str, *, name: str, members: dict[str, str], created_by: str | None, course_id: str | None = None
) -> dict:
    """The fields of a new room; `members` maps uid -> display name (copied for display)."""
    data = {
        "kind": kind,
        "name": name,
        "member_uids": list(members),
        "member_names": dict(members),
        "member_count": len(members),
        # seen_seq[uid]: the last seq the member is known to have seen without a read receipt
        # (the seq when they joined, or their own last message). Unread never counts those.
        "seen_seq": dict.fromkeys(members, 0),
        "created_by": created_by,
        "last_message": None,
        "message_seq": 0,
    }
    if kind == COURSE:
        data["course_id"] = course_id
    if kind == DIRECT:
        # peers[uid] = the other member, so a list row shows "who" with a projection of one entry.
        (uid_a, name_a), (uid_b, name_b) = members.items()
        data["peers"] = {uid_a: {"uid": uid_b, "name": name_b}, uid_b: {"uid": uid_a, "name": name_a}}
    return data


def get_room(room_id: str) -> dict | None:
    if not valid_room_id(room_id):
        return None
    return snapshot_to_dict(room_ref(room_id).get())


def create_room(data: dict, room_id: str | None = None) -> tuple[dict, bool]:
    """Create the room (generated id when None); (existing room, False) when the id is taken."""
    ref = room_ref(room_id) if room_id else db().collection(COLLECTION).document()
    doc = {
        **data,
        "created_at": firestore.SERVER_TIMESTAMP,
        "updated_at": firestore.SERVER_TIMESTAMP,
        "last_activity_at": firestore.SERVER_TIMESTAMP,
    }
    try:
        result = ref.create(doc)
    except google_exceptions.AlreadyExists:
        existing = get_room(ref.id)
        if existing is None:  # deleted in between: extremely unlikely, try once more
            return create_room(data, room_id)
        return existing, False
    stamp = result.update_time
    return {**data, "id": ref.id, "created_at": stamp, "updated_at": stamp, "last_activity_at": stamp}, True


def list_rooms_of(uid: str, *, limit: int, cursor: str | None) -> Page:
    """The member's rooms, most recently active first (one query; projection keeps rows small)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("member_uids", "array_contains", uid))
        .select([*LIST_FIELDS, field("seen_seq", uid), field("peers", uid)])
    )
    return fetch_page(
        query, order=[("last_activity_at", DESCENDING)], limit=limit, cursor=cursor, tag=f"chat_rooms:{uid}"
    )


def room_kinds_of(uid: str, *, limit: int) -> dict[str, dict]:
    """{room_id: {kind, message_seq}} of the member's most recently active rooms (one query, only
    those fields travel)."""
    query = (
        db()
        .collection(COLLECTION)
        .where(filter=firestore.FieldFilter("member_uids", "array_contains", uid))
        .order_by("last_activity_at", direction=DESCENDING)
        .select(["kind", "message_seq"])
        .limit(limit)
    )
    rooms = {}
    for snap in query.stream():
        data = snap.to_dict() or {}
        rooms[snap.id] = {"kind": data.get("kind", ""), "message_seq": int(data.get("message_seq") or 0)}
    return rooms


def add_member(room_id: str, uid: str, name: str, *, check: Callable[[dict | None], None]) -> tuple[dict, bool]:
    """Add a member unless the room changed meanwhile; `check(room)` may raise to refuse.
    Returns (room after, added)."""
    ref = room_ref(room_id)

    def attempt() -> tuple[dict, bool]:
        snapshot = ref.get()
        room = snapshot_to_dict(snapshot)
        check(room)
        if uid in room["member_uids"]:
            return room, False
        seq = room.get("message_seq", 0)
        batch = db().batch()
        batch.update(
            ref,
            {
                "member_uids": firestore.ArrayUnion([uid]),
                field("member_names", uid): name,
                field("seen_seq", uid): seq,
                "member_count": len(room["member_uids"]) + 1,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
            option=unchanged_since(snapshot),
        )
        batch.commit()
        room["member_uids"] = [*room["member_uids"], uid]
        room["member_names"] = {**room.get("member_names", {}), uid: name}
        room["seen_seq"] = {**room.get("seen_seq", {}), uid: seq}
        room["member_count"] = len(room["member_uids"])
        return room, True

    return commit_if_unchanged(attempt)


def remove_member(room_id: str, uid: str, *, check: Callable[[dict | None], None]) -> tuple[dict, bool]:
    """Remove a member unless the room changed meanwhile; `check(room)` may raise to refuse.
    Returns (room after, removed)."""
    ref = room_ref(room_id)

    def attempt() -> tuple[dict, bool]:
        snapshot = ref.get()
        room = snapshot_to_dict(snapshot)
        check(room)
        if uid not in room["member_uids"]:
            return room, False
        batch = db().batch()
        batch.update(
            ref,
            {
                "member_uids": firestore.ArrayRemove([uid]),
                field("member_names", uid): firestore.DELETE_FIELD,
                field("seen_seq", uid): firestore.DELETE_FIELD,
                "member_count": len(room["member_uids"]) - 1,
                "updated_at": firestore.SERVER_TIMESTAMP,
            },
            option=unchanged_since(snapshot),
        )
        batch.commit()
        room["member_uids"] = [member for member in room["member_uids"] if member != uid]
        room.get("member_names", {}).pop(uid, None)
        room.get("seen_seq", {}).pop(uid, None)
        room["member_count"] = len(room["member_uids"])
        return room, True

    return commit_if_unchanged(attempt)


def rename_member(uid: str, name: str, *, page_size: int = 300) -> int:
    """Update the copied display name in every room of the user (batched); returns rooms touched."""
    touched = 0
    last = None
    while True:
        query = (
            db()
            .collection(COLLECTION)
            .where(filter=firestore.FieldFilter("member_uids", "array_contains", uid))
            .select(["kind", field("peers", uid)])
            .order_by("__name__")
            .limit(page_size)
        )
        if last is not None:
            query = query.start_after(last)
        snapshots = list(query.stream())
        if not snapshots:
            return touched
        batch = db().batch()
        for snap in snapshots:
            changes = {field("member_names", uid): name}
            data = snap.to_dict() or {}
            peer = (data.get("peers") or {}).get(uid)
            if data.get("kind") == DIRECT and peer:
                changes[field("peers", peer["uid"], "name")] = name
            batch.update(snap.reference, changes)
        batch.commit()
        touched += len(snapshots)
        if len(snapshots) < page_size:
            return touched
        last = snapshots[-1]


def rename_room(room_id: str, name: str) -> bool:
    """Set a room's name (a course room follows its course's title); False when there is no room."""
    if not valid_room_id(room_id):
        return False
    try:
        room_ref(room_id).update({"name": name})
    except google_exceptions.NotFound:
        return False
    return True
