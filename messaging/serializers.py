"""Input validation and output shapes for the chat API (and the socket frames, which share the shapes)."""

from __future__ import annotations

from rest_framework import serializers

from cplatform.serializers import CursorPageQuery, IsoDateTimeField, StrictSerializer
from firestore_operations.documents import iso

CONTENT_MAX = 4000
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
MESSAGE_PAGE_MAX = 100


# --- input -------------------------------------------------------------------------------------


class GroupRoomIn(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=100)
    member_uids = serializers.ListField(
        child=serializers.CharField(max_length=128), min_length=1, max_length=1000, help_text="Members besides you."
    )


class RoomRenameIn(StrictSerializer):
    whole_on_patch = True  # cplatform/schema.py: PATCH validates it whole (the new name is required)
    name = serializers.CharField(
        min_length=1,
        max_length=100,
        error_messages={"blank": "Give the group a name.", "max_length": "Use at most 100 characters."},
    )


class MemberIn(serializers.Serializer):
    uid = serializers.CharField(max_length=128)


def message_content(**kwargs) -> serializers.CharField:
    """A message's text: trimmed, 1-4,000 characters. The API, the pages and the socket frames all
    validate with the serializers below, so the rule and its wording live here only."""
    return serializers.CharField(
        max_length=CONTENT_MAX,
        error_messages={
            "blank": "A message cannot be empty.",
            "required": "Write the message text.",
            "invalid": "Send the message text as a string.",
            "max_length": f"A message has at most {CONTENT_MAX:,} characters.",
        },
        **kwargs,
    )


class MessageIn(serializers.Serializer):
    content = message_content(help_text="1-4,000 characters after trimming; plain text.")
    client_id = serializers.RegexField(
        CLIENT_ID_PATTERN,
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use 1-64 letters, digits or _ . : - (a UUID works)."},
        help_text="Your id for this message (e.g. a UUID). A retry with the same client_id returns the "
        "message already stored (200) instead of storing it twice.",
    )


class MessageEditIn(serializers.Serializer):
    whole_on_patch = True  # cplatform/schema.py: PATCH validates it whole (the new text is required)
    content = message_content()


class ReadIn(serializers.Serializer):
    message_id = serializers.CharField(max_length=64, help_text="The newest message you have seen.")


class MessagesQuery(serializers.Serializer):
    before = serializers.CharField(required=False, max_length=64, help_text="A message id: the page before it.")
    after = serializers.CharField(required=False, max_length=64, help_text="A message id: the page after it.")
    limit = serializers.IntegerField(min_value=1, max_value=MESSAGE_PAGE_MAX, default=50)

    def validate(self, attrs):
        if attrs.get("before") and attrs.get("after"):
            raise serializers.ValidationError({"after": ["Use either before or after, not both."]})
        return attrs


class RoomsQuery(CursorPageQuery):
    pass


# --- output ------------------------------------------------------------------------------------


class MessageOut(serializers.Serializer):
    id = serializers.CharField()
    room_id = serializers.CharField()
    seq = serializers.IntegerField(help_text="1, 2, 3... within the room: the order, and the catch-up key.")
    sender_uid = serializers.CharField()
    sender_name = serializers.CharField()
    content = serializers.CharField(help_text="Plain text; escape it when rendering. Empty when deleted.")
    client_id = serializers.CharField()
    created_at = IsoDateTimeField()
    edited_at = IsoDateTimeField(allow_null=True)
    edited = serializers.BooleanField()
    deleted = serializers.BooleanField()


class LastMessageOut(serializers.Serializer):
    id = serializers.CharField()
    seq = serializers.IntegerField()
    sender_uid = serializers.CharField()
    sender_name = serializers.CharField()
    preview = serializers.CharField(help_text="The first 120 characters.")
    created_at = IsoDateTimeField()
    edited = serializers.BooleanField()
    deleted = serializers.BooleanField()


class RoomOut(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["direct", "group", "course"])
    name = serializers.CharField(help_text="For direct rooms: the other member's name.")
    other_uid = serializers.CharField(allow_null=True, help_text="Direct rooms: the other member.")
    course_id = serializers.CharField(allow_null=True)
    created_by = serializers.CharField(allow_null=True)
    member_count = serializers.IntegerField()
    message_seq = serializers.IntegerField()
    last_message = LastMessageOut(allow_null=True)
    last_activity_at = IsoDateTimeField()
    unread = serializers.IntegerField(help_text="Messages after your read mark (your own never count).")


class MemberOut(serializers.Serializer):
    uid = serializers.CharField()
    name = serializers.CharField()


class ReceiptOut(serializers.Serializer):
    uid = serializers.CharField()
    last_read_seq = serializers.IntegerField(help_text="Messages with seq <= this have been read.")
    last_read_message_id = serializers.CharField(allow_null=True)
    read_at = IsoDateTimeField(allow_null=True)


class RoomDetailOut(RoomOut):
    members = MemberOut(many=True)
    my_last_read_seq = serializers.IntegerField()
    read_receipts = ReceiptOut(many=True, help_text="Direct rooms: the other member's read mark.")


class RoomPageOut(serializers.Serializer):
    items = RoomOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class MessagePageOut(serializers.Serializer):
    items = MessageOut(many=True, help_text="Oldest first.")
    next_cursor = serializers.CharField(
        allow_null=True,
        help_text="More exist: pass this id as `before` again (older), or as `after` again (newer) when paging forward.",
    )


class ReadOut(serializers.Serializer):
    room_id = serializers.CharField()
    last_read_seq = serializers.IntegerField()
    last_read_message_id = serializers.CharField()
    read_at = IsoDateTimeField()
    unread = serializers.IntegerField()


class RecentRoomOut(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    name = serializers.CharField()


class RecentMessageOut(serializers.Serializer):
    room = RecentRoomOut()
    message = LastMessageOut()
    unread = serializers.IntegerField()


class RecentPageOut(serializers.Serializer):
    items = RecentMessageOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


# --- representations (also the socket payloads, so plain JSON types only) -----------------------------


def message_representation(message: dict) -> dict:
    return {
        "id": message["id"],
        "room_id": message["room_id"],
        "seq": message["seq"],
        "sender_uid": message["sender_uid"],
        "sender_name": message.get("sender_name", ""),
        "content": "" if message.get("deleted") else message.get("content", ""),
        "client_id": message.get("client_id", ""),
        "created_at": iso(message.get("created_at")),
        "edited_at": iso(message.get("edited_at")),
        "edited": bool(message.get("edited_at")),
        "deleted": bool(message.get("deleted")),
    }


def last_message_representation(last: dict | None) -> dict | None:
    if not last:
        return None
    return {
        "id": last["id"],
        "seq": last.get("seq", 0),
        "sender_uid": last.get("sender_uid", ""),
        "sender_name": last.get("sender_name", ""),
        "preview": last.get("preview", ""),
        "created_at": iso(last.get("created_at")),
        "edited": bool(last.get("edited")),
        "deleted": bool(last.get("deleted")),
    }


def room_representation(room: dict, *, uid: str) -> dict:
    peer = (room.get("peers") or {}).get(uid) or {}
    return {
        "id": room["id"],
        "kind": room.get("kind", ""),
        "name": peer.get("name", "") if room.get("kind") == "direct" else room.get("name", ""),
        "other_uid": peer.get("uid"),
        "course_id": room.get("course_id"),
        "created_by": room.get("created_by"),
        "member_count": room.get("member_count", 0),
        "message_seq": room.get("message_seq", 0),
        "last_message": last_message_representation(room.get("last_message")),
        "last_activity_at": iso(room.get("last_activity_at")),
        "unread": room.get("unread", 0),
    }


def room_detail_representation(room: dict, *, uid: str) -> dict:
    names = room.get("member_names") or {}
    members = sorted(({"uid": m, "name": names.get(m, "")} for m in room.get("member_uids", [])), key=_by_name)
    receipts = [
        {
            "uid": receipt["uid"],
            "last_read_seq": receipt["last_read_seq"],
            "last_read_message_id": receipt.get("last_read_message_id"),
            "read_at": iso(receipt.get("read_at")),
        }
        for receipt in room.get("read_receipts", [])
    ]
    return {
        **room_representation(room, uid=uid),
        "members": members,
        "my_last_read_seq": room.get("my_last_read_seq", 0),
        "read_receipts": receipts,
    }


def _by_name(member: dict) -> tuple:
    return (member["name"].lower(), member["uid"])


def read_representation(mark: dict) -> dict:
    return {
        "room_id": mark["room_id"],
        "last_read_seq": mark["last_read_seq"],
        "last_read_message_id": mark["last_read_message_id"],
        "read_at": iso(mark.get("read_at")),
        "unread": mark.get("unread", 0),
    }


def recent_representation(room: dict, *, uid: str) -> dict:
    shaped = room_representation(room, uid=uid)
    return {
        "room": {"id": shaped["id"], "kind": shaped["kind"], "name": shaped["name"]},
        "message": shaped["last_message"],
        "unread": shaped["unread"],
    }
