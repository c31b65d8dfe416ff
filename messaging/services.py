"""Chat: rooms (direct, group, course), messages, read marks and their live delivery.

Every function takes the acting user explicitly and raises cplatform.errors on refusal. Firestore is
written first; the channel-layer broadcast (messaging.groups) follows only once the write succeeded.
The channel layer is at-most-once, so clients catch up by `seq` (sync / ?after=) after a reconnect.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from cplatform import errors, rate_limit
from cplatform.actor import ADMIN, Actor
from firestore_operations import chat_messages as message_store
from firestore_operations import chat_read_state as read_store
from firestore_operations import chat_rooms as room_store
from firestore_operations import courses as course_store
from firestore_operations import users as user_store
from firestore_operations.chat_rooms import COURSE, DIRECT, GROUP
from firestore_operations.pagination import Page
from messaging import access, events, fanout, groups, notify
from messaging import serializers as shapes

logger = logging.getLogger(__name__)

# Processes that hold sockets in a room hear every message stored there: the message store keeps its
# copy of the room in step, so the next send from this process needs no read (chat_messages.py).
fanout.follow_room_writes(message_store.follow_room_write)

CONTENT_MAX = shapes.CONTENT_MAX
PREVIEW_CHARS = 120
NAME_MAX = 100


# --- small rules ----------------------------------------------------------------------------------


def new_client_id(client_id: str | None) -> str:
    """The sender's id for the message; a fresh one when none is given (then retries are not deduplicated)."""
    return client_id or uuid.uuid4().hex


def preview_of(message: dict) -> str:
    return "" if message.get("deleted") else message.get("content", "")[:PREVIEW_CHARS]


def unread_count(room: dict, uid: str, marks: dict) -> int:
    """Messages after the member's read mark; their own messages and those before they joined never count."""
    read = int((marks.get(room["id"]) or {}).get("last_read_seq", 0))
    seen = int((room.get("seen_seq") or {}).get(uid, 0))
    return max(0, int(room.get("message_seq", 0)) - max(read, seen))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _broadcast(group: str, event: dict) -> None:
    """Best effort: the write already succeeded, and clients resync by seq when a frame is lost."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:
        logger.exception("chat broadcast to %s failed", group)


def _broadcast_to_room(room_id: str, frame: dict, *, room_write: dict | None = None) -> None:
    """Every socket in the room, in every process: encoded once, one channel-layer message per process
    (messaging.fanout). Best effort, as _broadcast."""
    try:
        fanout.publish_sync(room_id, frame, room_write=room_write)
    except Exception:
        logger.exception("chat broadcast to room %s failed", room_id)


def _announce_joined(room: dict, uid: str) -> None:
    # The user's sockets subscribe to the room on this event (messaging.consumers.room_joined).
    _broadcast(groups.user_group(uid), {"type": "room.joined", "room": shapes.room_representation(room, uid=uid)})


def _announce_left(room_id: str, uid: str) -> None:
    _broadcast(groups.user_group(uid), {"type": "room.left", "room": room_id})


def _names(profiles: dict[str, dict], uids: list[str]) -> dict[str, str]:
    return {uid: profiles[uid].get("display_name", "") for uid in uids}


# --- rooms ----------------------------------------------------------------------------------------


def list_my_rooms(*, actor: Actor, limit: int, cursor: str | None) -> Page:
    """The actor's rooms by last activity with unread counts: one query and one lookup. Raises ValidationError."""
    page = room_store.list_rooms_of(actor.uid, limit=limit, cursor=cursor)
    marks = read_store.get_read_state(actor.uid)
    for room in page.items:
        room["unread"] = unread_count(room, actor.uid, marks)
    return page


def list_recent_messages(*, actor: Actor, limit: int, cursor: str | None) -> Page:
    """The latest message of each of the actor's rooms, newest first (the rooms list without empty rooms).

    Bounded and honest: one query on chat_rooms plus one lookup; a room's full history is
    list_messages. Raises ValidationError.
    """
    page = list_my_rooms(actor=actor, limit=limit, cursor=cursor)
    page.items = [room for room in page.items if room.get("last_message")]
    return page


def get_room(*, actor: Actor, room_id: str) -> dict:
    """The room with its members, the actor's unread count and, in direct rooms, the other side's
    read mark. Raises NotFound, PermissionDenied."""
    room = access.access_room(actor, room_id)
    peer = ((room.get("peers") or {}).get(actor.uid) or {}).get("uid")
    marks = read_store.get_read_states([actor.uid, *([peer] if peer else [])])
    mine = marks.get(actor.uid, {})
    room["unread"] = unread_count(room, actor.uid, mine)
    room["my_last_read_seq"] = int((mine.get(room_id) or {}).get("last_read_seq", 0))
    room["read_receipts"] = []
    if peer:
        mark = marks.get(peer, {}).get(room_id) or {}
        seen = int((room.get("seen_seq") or {}).get(peer, 0))
        room["read_receipts"].append(
            {
                "uid": peer,
                "last_read_seq": max(int(mark.get("last_read_seq", 0)), seen),
                "last_read_message_id": mark.get("last_read_message_id"),
                "read_at": mark.get("read_at"),
            }
        )
    return room


def open_direct_room(*, actor: Actor, other_uid: str) -> tuple[dict, bool]:
    """The direct room of the actor and another user, created on first use. Returns (room, created).

    The pair rule (access.check_may_talk) is checked when the room is created; an existing room
    stays open to its two members. Raises ValidationError, NotFound, PermissionDenied.
    """
    if other_uid == actor.uid:
        raise errors.ValidationError("You cannot open a chat with yourself.", fields={"uid": ["That is you."]})
    room_id = room_store.direct_room_id(actor.uid, other_uid)
    if not room_store.valid_room_id(room_id) or "/" in other_uid:
        raise errors.NotFound("No such user.")
    room = room_store.get_room(room_id)
    if room is not None:
        return room, False
    profiles = user_store.get_profiles([actor.uid, other_uid])
    other = profiles.get(other_uid)
    if other is None or (other.get("disabled") and actor.role != ADMIN):
        raise errors.NotFound("No such user.")
    if actor.uid not in profiles:
        raise errors.NotFound("Your profile is missing; complete your account first.")
    access.check_may_talk(profiles[actor.uid], other)
    members = _names(profiles, [actor.uid, other_uid])
    room, created = room_store.create_room(
        room_store.new_room(DIRECT, name="", members=members, created_by=actor.uid), room_id
    )
    if created:
        for uid in members:
            _announce_joined(room, uid)
    return room, created


def may_write_to(*, actor: Actor, other_uid: str) -> bool:
    """Whether the actor may start (or has) a direct conversation with the user: the rule of
    open_direct_room, asked without creating anything (a person page shows "Message" only then)."""
    room_id = room_store.direct_room_id(actor.uid, other_uid)
    if other_uid == actor.uid or "/" in other_uid or not room_store.valid_room_id(room_id):
        return False
    if room_store.get_room(room_id):
        return True
    profiles = user_store.get_profiles([actor.uid, other_uid])
    other = profiles.get(other_uid)
    if other is None or actor.uid not in profiles or (other.get("disabled") and actor.role != ADMIN):
        return False
    try:
        access.check_may_talk(profiles[actor.uid], other)
    except errors.PermissionDenied:
        return False
    return True


def create_group_room(*, actor: Actor, name: str, member_uids: list[str]) -> dict:
    """A named room of the actor (teacher or admin) and the given users. Teachers may add only people
    they may talk to (access.check_may_talk). Raises ValidationError, PermissionDenied."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise errors.ValidationError(f"name: Use 1-{NAME_MAX} characters.", fields={"name": ["1-100 characters."]})
    uids = [uid for uid in dict.fromkeys(member_uids) if uid != actor.uid]
    if len(uids) + 1 > settings.CHAT_GROUP_MAX_MEMBERS:
        raise errors.ValidationError(
            f"member_uids: A group has at most {settings.CHAT_GROUP_MAX_MEMBERS} members.",
            fields={"member_uids": ["Too many."]},
        )
    profiles = user_store.get_profiles([actor.uid, *uids])
    unknown = [uid for uid in uids if uid not in profiles or profiles[uid].get("disabled")]
    if unknown:
        raise errors.ValidationError(
            f"member_uids: No such user: {', '.join(unknown[:10])}.", fields={"member_uids": unknown}
        )
    if actor.uid not in profiles:
        raise errors.NotFound("Your profile is missing; complete your account first.")
    if actor.role != ADMIN:
        refused = []
        for uid in uids:
            try:
                access.check_may_talk(profiles[actor.uid], profiles[uid])
            except errors.PermissionDenied:
                refused.append(uid)
        if refused:
            raise errors.PermissionDenied(
                "You may only add your students, their parents and other teachers to a group.",
                code="chat_not_allowed",
                fields={"member_uids": refused},
            )
    members = _names(profiles, [actor.uid, *uids])
    room, _ = room_store.create_room(room_store.new_room(GROUP, name=name, members=members, created_by=actor.uid))
    for uid in members:
        _announce_joined(room, uid)
    return room


def _check_group_manageable(actor: Actor, room: dict | None) -> None:
    if room is None:
        raise errors.NotFound("No such chat room.")
    if room.get("kind") != GROUP:
        raise errors.Conflict(
            "Only group rooms have managed members: course rooms follow enrolment, direct rooms are two people.",
            code="not_a_group",
        )
    if not access.may_manage_members(actor, room):
        raise errors.PermissionDenied("Only the group's creator or an admin can manage its members.")


def add_room_member(*, actor: Actor, room_id: str, uid: str) -> dict:
    """Add a user to a group room (creator or admin). Raises NotFound, PermissionDenied, Conflict, ValidationError."""
    _check_group_manageable(actor, access.access_room(actor, room_id))
    profiles = user_store.get_profiles([actor.uid, uid])
    if uid not in profiles or profiles[uid].get("disabled"):
        raise errors.ValidationError("uid: No such user.", fields={"uid": ["No such user."]})
    if actor.role != ADMIN:
        if actor.uid not in profiles:
            raise errors.NotFound("Your profile is missing; complete your account first.")
        access.check_may_talk(profiles[actor.uid], profiles[uid])

    def check(room: dict | None) -> None:
        _check_group_manageable(actor, room)
        if uid not in room["member_uids"] and len(room["member_uids"]) >= settings.CHAT_GROUP_MAX_MEMBERS:
            raise errors.Conflict(f"A group has at most {settings.CHAT_GROUP_MAX_MEMBERS} members.", code="room_full")

    name = profiles[uid].get("display_name", "")
    room, added = room_store.add_member(room_id, uid, name, check=check)
    if added:
        _announce_joined(room, uid)
        _broadcast_to_room(room_id, {"type": "member.added", "room": room_id, "uid": uid, "name": name})
    return room


def rename_group_room(*, actor: Actor, room_id: str, name: str) -> dict:
    """Rename a group room (its creator or an admin); members' lists follow through a `room.renamed`
    frame. Raises NotFound, PermissionDenied, Conflict (not_a_group), ValidationError."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise errors.ValidationError(
            f"Give the group a name of 1-{NAME_MAX} characters.", fields={"name": [f"Use 1-{NAME_MAX} characters."]}
        )
    _check_group_manageable(actor, access.access_room(actor, room_id))
    if not room_store.rename_room(room_id, name):
        raise errors.NotFound("No such chat room.")
    _broadcast_to_room(room_id, {"type": "room.renamed", "room": room_id, "name": name})
    return access.get_room_or_404(room_id)


def remove_room_member(*, actor: Actor, room_id: str, uid: str) -> None:
    """Remove a member from a group room: the creator or an admin, or a member leaving. The creator
    stays. Raises NotFound, PermissionDenied, Conflict."""
    room = access.access_room(actor, room_id)

    def check(room: dict | None) -> None:
        if room is None:
            raise errors.NotFound("No such chat room.")
        if uid == actor.uid and access.is_member(uid, room):
            if room.get("kind") != GROUP:
                raise errors.Conflict("Only group rooms can be left.", code="not_a_group")
        else:
            _check_group_manageable(actor, room)
        if uid == room.get("created_by"):
            raise errors.Conflict("The group's creator cannot be removed.", code="creator_stays")
        if not access.is_member(uid, room):
            raise errors.NotFound("That user is not a member of this room.")

    check(room)  # clear errors first; the conditional write checks again on a fresh read
    _, removed = room_store.remove_member(room_id, uid, check=check)
    if removed:
        _announce_left(room_id, uid)
        _broadcast_to_room(room_id, {"type": "member.removed", "room": room_id, "uid": uid})


# --- course rooms (kept by messaging.apps receivers of courses.signals) ---------------------------


def ensure_course_room(*, course: dict) -> dict:
    """The course's room, created with its teacher when missing. Raises NotFound (no teacher profile)."""
    teacher_uid = course["teacher_uid"]
    name = course.get("teacher_name") or (user_store.get_profile(teacher_uid) or {}).get("display_name", "")
    data = room_store.new_room(
        COURSE,
        name=course.get("title", ""),
        members={teacher_uid: name},
        created_by=teacher_uid,
        course_id=course["id"],
    )
    room, _ = room_store.create_room(data, room_store.course_room_id(course["id"]))
    return room


def leave_every_room(*, uid: str) -> int:
    """A deleted account leaves every room it was in (member lists and names must not show it)."""
    left = 0
    for room_id in room_store.room_kinds_of(uid, limit=settings.CHAT_MAX_ROOMS_PER_SOCKET):
        try:
            _, removed = room_store.remove_member(room_id, uid, check=_require_room)
        except _NoRoomYet:
            continue  # deleted meanwhile
        if removed:
            left += 1
            _broadcast_to_room(room_id, {"type": "member.removed", "room": room_id, "uid": uid})
    return left


def rename_course_room(*, course_id: str, title: str) -> None:
    """The course room carries its course's title."""
    room_store.rename_room(room_store.course_room_id(course_id), title)


def delete_course_room(*, course_id: str) -> int:
    """A deleted course's room and its messages go too; returns how many messages were deleted."""
    return message_store.delete_room_and_messages(room_store.course_room_id(course_id))


class _NoRoomYet(Exception):
    pass


def _require_room(room: dict | None) -> None:
    if room is None:
        raise _NoRoomYet


def add_course_member(*, course_id: str, student_uid: str, teacher_uid: str) -> dict:
    """Put an actively enrolled student (and the teacher) in the course room, creating it lazily.
    Raises NotFound (no such course)."""
    room_id = room_store.course_room_id(course_id)
    profiles = user_store.get_profiles([student_uid, teacher_uid])
    names = {uid: (profiles.get(uid) or {}).get("display_name", "") for uid in (teacher_uid, student_uid)}
    for _attempt in range(3):
        try:
            room = None
            for uid in (teacher_uid, student_uid):
                room, added = room_store.add_member(room_id, uid, names[uid], check=_require_room)
                if added:
                    _announce_joined(room, uid)
            return room
        except _NoRoomYet:
            course = course_store.get_course(course_id)
            if course is None:
                raise errors.NotFound("No such course.") from None
            data = room_store.new_room(
                COURSE,
                name=course.get("title", ""),
                members={course.get("teacher_uid") or teacher_uid: names.get(course.get("teacher_uid"), "")},
                created_by=course.get("teacher_uid") or teacher_uid,
                course_id=course_id,
            )
            room_store.create_room(data, room_id)
    raise errors.Conflict("The course room could not be prepared; please retry.", code="contention")


def remove_course_member(*, course_id: str, student_uid: str) -> None:
    """Take a student who left the course out of its room (nothing to do when there is no room)."""
    room_id = room_store.course_room_id(course_id)
    try:
        _, removed = room_store.remove_member(room_id, student_uid, check=_require_room)
    except _NoRoomYet:
        return
    if removed:
        _announce_left(room_id, student_uid)
        _broadcast_to_room(room_id, {"type": "member.removed", "room": room_id, "uid": student_uid})


def rename_member_everywhere(*, uid: str, display_name: str) -> int:
    """Follow a profile rename in the rooms' copied names (old messages keep the name they were sent with)."""
    return room_store.rename_member(uid, display_name)


def socket_rooms(*, actor: Actor) -> dict[str, dict]:
    """{room_id: {kind, message_seq}} of the rooms a socket subscribes to at connect (one query); the
    seq is where the room's live frames start for it."""
    return room_store.room_kinds_of(actor.uid, limit=settings.CHAT_MAX_ROOMS_PER_SOCKET)


# --- messages -------------------------------------------------------------------------------------


def _cursor_seq(room_id: str, message_id: str, param: str) -> int:
    message = message_store.get_message(room_id, message_id)
    if message is None:
        raise errors.ValidationError(
            f"{param}: No such message in this room.", fields={param: ["No such message in this room."]}
        )
    return int(message["seq"])


def list_messages(
    *, actor: Actor, room_id: str, before: str | None = None, after: str | None = None, limit: int = 50
) -> tuple[list[dict], str | None]:
    """A page of the room's messages, oldest first, and the cursor for the next page in the same direction.

    Default: the newest page. `before`: older than that message. `after`: newer, for catch-up.
    Raises NotFound, PermissionDenied, ValidationError.
    """
    access.access_room(actor, room_id)
    if before and after:
        raise errors.ValidationError("Use either before or after, not both.", fields={"after": ["Not with before."]})
    limit = max(1, min(limit, shapes.MESSAGE_PAGE_MAX))
    if after:
        items, more = message_store.list_messages(room_id, after_seq=_cursor_seq(room_id, after, "after"), limit=limit)
        return items, (items[-1]["id"] if more and items else None)
    before_seq = _cursor_seq(room_id, before, "before") if before else None
    items, more = message_store.list_messages(room_id, before_seq=before_seq, limit=limit)
    return items, (items[0]["id"] if more and items else None)


def post_message(*, actor: Actor, room_id: str, content: str, client_id: str | None = None) -> tuple[dict, bool]:
    """Send a message to a room the actor belongs to. Returns (message, created): a retry with the
    same client_id returns the stored message with created=False and stores nothing.

    Two Firestore writes whatever the room size (message + room). Members hear it live
    (message.new); only a direct room's other member also gets a notification, made right after
    the commit (its email and push are outbox entries, docs/background-work.md).
    Raises ValidationError, NotFound, PermissionDenied, RateLimited.
    """
    client_id = new_client_id(client_id)
    if not room_store.valid_room_id(room_id):
        raise errors.NotFound("No such chat room.")
    rate_limit.consume(
        "chat.send",
        actor.uid,
        limit=settings.CHAT_SEND_LIMIT,
        window=settings.CHAT_SEND_WINDOW_SECONDS,
        message=f"You can send {settings.CHAT_SEND_LIMIT} messages per {settings.CHAT_SEND_WINDOW_SECONDS} seconds; "
        "wait a moment.",
    )
    message, created, room = message_store.add_message(
        room_id,
        sender_uid=actor.uid,
        client_id=client_id,
        content=content,
        preview=content[:PREVIEW_CHARS],
        check=lambda room: access.check_member(room, actor.uid),
    )
    if created:
        _deliver_new_message(room, message)
        events.publish(
            events.message_sent,
            room_id=room["id"],
            room_kind=room.get("kind", ""),
            course_id=room.get("course_id"),
            sender_uid=actor.uid,
            sender_role=actor.role,
        )
    return message, created


def _deliver_new_message(room: dict, message: dict) -> None:
    _broadcast_to_room(
        room["id"],
        {"type": "message.new", "room": room["id"], "message": shapes.message_representation(message)},
        room_write=room.get("write"),
    )
    # Group and course rooms notify nobody: a notification per member would be a write per member
    # per message. Their members see unread counts in the rooms list and message.new frames live.
    if room.get("kind") != DIRECT:
        return
    recipients = [uid for uid in room.get("member_uids", []) if uid != message["sender_uid"]]
    try:
        # The in-app notification is made here; its email and push are outbox entries in the
        # notification's own batch, sent by the worker (docs/background-work.md).
        notify.notify(
            recipient_uids=recipients,
            kind="message.new",
            title=f"New message from {message['sender_name'] or 'someone'}",
            body=preview_of(message),
            data={"room_id": room["id"], "message_id": message["id"], "sender_uid": message["sender_uid"]},
            actor_uid=message["sender_uid"],
        )
    except Exception:
        # The message is stored and delivered live; a failed notification must not turn the send
        # into an error the client would retry.
        logger.exception("notification for message %s in %s failed", message["id"], room["id"])


def send_to_user(*, actor: Actor, recipient_uid: str, content: str, client_id: str | None = None) -> tuple[dict, bool]:
    """Send a message in the direct room with a user (created on first use), same rules as open_direct_room
    and post_message. Raises ValidationError, NotFound, PermissionDenied, RateLimited."""
    room, _ = open_direct_room(actor=actor, other_uid=recipient_uid)
    return post_message(actor=actor, room_id=room["id"], content=content, client_id=client_id)


def edit_message(*, actor: Actor, room_id: str, message_id: str, content: str) -> dict:
    """Change the text of one's own message; everyone sees it as edited. Raises ValidationError,
    NotFound, PermissionDenied, Conflict."""
    if not room_store.valid_room_id(room_id):
        raise errors.NotFound("No such chat room.")

    def decide(room: dict | None, message: dict | None) -> dict | None:
        access.check_member(room, actor.uid)
        if message is None:
            raise errors.NotFound("No such message.")
        if message["sender_uid"] != actor.uid:
            raise errors.PermissionDenied("You can only edit your own messages.")
        if message.get("deleted"):
            raise errors.Conflict("This message was deleted.", code="message_deleted")
        if message.get("content") == content:
            return None
        return {"content": content, "edited_at": _now()}

    message, changed = message_store.change_message(room_id, message_id, decide=decide, preview=preview_of)
    if changed:
        _broadcast_to_room(
            room_id,
            {"type": "message.updated", "room": room_id, "message": shapes.message_representation(message)},
        )
    return message


def delete_message(*, actor: Actor, room_id: str, message_id: str) -> dict:
    """Delete one's own message (admins: any message); a tombstone stays so the order keeps its place.
    Deleting twice is harmless. Raises NotFound, PermissionDenied."""
    if not room_store.valid_room_id(room_id):
        raise errors.NotFound("No such chat room.")

    def decide(room: dict | None, message: dict | None) -> dict | None:
        if actor.role != ADMIN:
            access.check_member(room, actor.uid)
        elif room is None:
            raise errors.NotFound("No such chat room.")
        if message is None:
            raise errors.NotFound("No such message.")
        if message["sender_uid"] != actor.uid and actor.role != ADMIN:
            raise errors.PermissionDenied("You can only delete your own messages.")
        if message.get("deleted"):
            return None
        return {"deleted": True, "content": "", "deleted_at": _now(), "deleted_by": actor.uid}

    message, changed = message_store.change_message(room_id, message_id, decide=decide, preview=preview_of)
    if changed:
        _broadcast_to_room(
            room_id,
            {"type": "message.deleted", "room": room_id, "message": shapes.message_representation(message)},
        )
    return message


def mark_read(*, actor: Actor, room_id: str, message_id: str) -> dict:
    """Move the actor's read mark in the room up to a message (never back). In direct rooms the other
    member sees it live; the actor's other devices always do. Raises NotFound, PermissionDenied, ValidationError."""
    room = access.access_room(actor, room_id, members_only=True)
    seq = _cursor_seq(room_id, message_id, "message_id")
    mark, moved = read_store.mark_read(actor.uid, room_id, seq=seq, message_id=message_id, now=_now())
    result = {**mark, "room_id": room_id, "unread": unread_count(room, actor.uid, {room_id: mark})}
    if moved:
        event = {
            "type": "read",
            "room": room_id,
            "uid": actor.uid,
            "last_read_seq": mark["last_read_seq"],
            "last_read_message_id": mark["last_read_message_id"],
            "read_at": shapes.read_representation(result)["read_at"],
        }
        if room.get("kind") == DIRECT:
            _broadcast_to_room(room_id, event)
        else:
            _broadcast(groups.user_group(actor.uid), event)
    return result
