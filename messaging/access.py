"""Who may talk to whom, and who may see or change a room: the one place these rules live.

The REST API, the pages and the WebSocket consumer all reach rooms through these helpers.
"""

from __future__ import annotations

from authentication.access import children_of
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import chat_rooms as room_store
from firestore_operations import enrollments as enrollment_store


def get_room_or_404(room_id: str) -> dict:
    room = room_store.get_room(room_id)
    if room is None:
        raise errors.NotFound("No such chat room.")
    return room


def is_member(uid: str, room: dict) -> bool:
    return uid in room.get("member_uids", [])


def check_member(room: dict | None, uid: str) -> None:
    """For checks run between a read and its conditional write. Raises NotFound, PermissionDenied."""
    if room is None:
        raise errors.NotFound("No such chat room.")
    if not is_member(uid, room):
        raise errors.PermissionDenied("You are not a member of this chat room.")


def access_room(actor: Actor, room_id: str, *, members_only: bool = False) -> dict:
    """The room, if the actor is a member. Admins may also read any room (moderation) unless
    `members_only` (sending, read marks). Raises NotFound, PermissionDenied."""
    room = get_room_or_404(room_id)
    if is_member(actor.uid, room) or (actor.role == ADMIN and not members_only):
        return room
    raise errors.PermissionDenied("You are not a member of this chat room.")


def may_manage_members(actor: Actor, room: dict) -> bool:
    """Group rooms are managed by their creator and by admins."""
    return actor.role == ADMIN or room.get("created_by") == actor.uid


def check_may_talk(first: dict, second: dict) -> None:
    """Whether two users (profiles) may talk directly. Raises PermissionDenied.

    Allowed: an admin and anyone; two teachers; a student and a teacher who teaches or taught them;
    a parent and a teacher of one of the parent's linked children.
    """
    roles = {first.get("role"), second.get("role")}
    if ADMIN in roles or roles == {TEACHER}:
        return
    by_role = {first.get("role"): first, second.get("role"): second}
    if roles == {STUDENT, TEACHER}:
        if enrollment_store.teacher_has_student(by_role[TEACHER]["id"], by_role[STUDENT]["id"]):
            return
    elif roles == {PARENT, TEACHER}:
        teacher_uid = by_role[TEACHER]["id"]
        if any(enrollment_store.teacher_has_student(teacher_uid, child) for child in children_of(by_role[PARENT])):
            return
    raise errors.PermissionDenied(
        "Chat is open between students and their teachers, parents and their children's teachers, "
        "teachers among themselves, and admins with anyone.",
        code="chat_not_allowed",
    )
