"""Chat API: one thin view per action (validate, call one service, shape the answer). See docs/api.md "Chat"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from cplatform.api import ApiView, page_body
from messaging import serializers as s
from messaging import services
from middlewares.roles import SIGNED_IN, TEACHERS_AND_ADMINS, check_roles

TAGS = ["chat"]


def _message_response(message: dict, created: bool) -> Response:
    return Response(
        s.message_representation(message), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
    )


class RoomsView(ApiView):
    """GET: my rooms (everyone). POST: a new group room (teachers and admins only)."""

    roles = SIGNED_IN

    @extend_schema(operation_id="chat_rooms_list", parameters=[s.RoomsQuery], responses=s.RoomPageOut, tags=TAGS)
    def get(self, request):
        params = self.query(s.RoomsQuery)
        page = services.list_my_rooms(actor=request.user, limit=params["limit"], cursor=params["cursor"] or None)
        return Response(page_body(page, lambda room: s.room_representation(room, uid=request.user.uid)))

    @extend_schema(operation_id="chat_rooms_create", request=s.GroupRoomIn, responses={201: s.RoomDetailOut}, tags=TAGS)
    def post(self, request):
        check_roles(request.user, TEACHERS_AND_ADMINS)
        data = self.validate(s.GroupRoomIn, request.data)
        room = services.create_group_room(actor=request.user, name=data["name"], member_uids=data["member_uids"])
        room = services.get_room(actor=request.user, room_id=room["id"])
        return Response(s.room_detail_representation(room, uid=request.user.uid), status=status.HTTP_201_CREATED)


class DirectRoomView(ApiView):
    roles = SIGNED_IN

    @extend_schema(
        operation_id="chat_direct_open", request=None, responses={200: s.RoomDetailOut, 201: s.RoomDetailOut}, tags=TAGS
    )
    def post(self, request, uid: str):
        room, created = services.open_direct_room(actor=request.user, other_uid=uid)
        room = services.get_room(actor=request.user, room_id=room["id"])
        return Response(
            s.room_detail_representation(room, uid=request.user.uid),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RoomDetailView(ApiView):
    roles = SIGNED_IN

    @extend_schema(operation_id="chat_room_retrieve", responses=s.RoomDetailOut, tags=TAGS)
    def get(self, request, room_id: str):
        room = services.get_room(actor=request.user, room_id=room_id)
        return Response(s.room_detail_representation(room, uid=request.user.uid))

    @extend_schema(operation_id="chat_room_rename", request=s.RoomRenameIn, responses=s.RoomDetailOut, tags=TAGS)
    def patch(self, request, room_id: str):
        data = self.validate(s.RoomRenameIn, request.data)
        services.rename_group_room(actor=request.user, room_id=room_id, name=data["name"])
        room = services.get_room(actor=request.user, room_id=room_id)
        return Response(s.room_detail_representation(room, uid=request.user.uid))


class RoomMembersView(ApiView):
    roles = SIGNED_IN

    @extend_schema(operation_id="chat_room_members_add", request=s.MemberIn, responses=s.RoomDetailOut, tags=TAGS)
    def post(self, request, room_id: str):
        data = self.validate(s.MemberIn, request.data)
        services.add_room_member(actor=request.user, room_id=room_id, uid=data["uid"])
        room = services.get_room(actor=request.user, room_id=room_id)
        return Response(s.room_detail_representation(room, uid=request.user.uid))


class RoomMemberView(ApiView):
    roles = SIGNED_IN

    @extend_schema(operation_id="chat_room_members_remove", responses={204: None}, tags=TAGS)
    def delete(self, request, room_id: str, uid: str):
        services.remove_room_member(actor=request.user, room_id=room_id, uid=uid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomMessagesView(ApiView):
    roles = SIGNED_IN

    @extend_schema(
        operation_id="chat_messages_list", parameters=[s.MessagesQuery], responses=s.MessagePageOut, tags=TAGS
    )
    def get(self, request, room_id: str):
        params = self.query(s.MessagesQuery)
        items, next_cursor = services.list_messages(
            actor=request.user,
            room_id=room_id,
            before=params.get("before") or None,
            after=params.get("after") or None,
            limit=params["limit"],
        )
        return Response({"items": [s.message_representation(m) for m in items], "next_cursor": next_cursor})

    @extend_schema(
        operation_id="chat_messages_send",
        request=s.MessageIn,
        responses={200: s.MessageOut, 201: s.MessageOut},
        tags=TAGS,
    )
    def post(self, request, room_id: str):
        data = self.validate(s.MessageIn, request.data)
        message, created = services.post_message(
            actor=request.user, room_id=room_id, content=data["content"], client_id=data.get("client_id")
        )
        return _message_response(message, created)


class RoomMessageView(ApiView):
    roles = SIGNED_IN

    @extend_schema(operation_id="chat_message_edit", request=s.MessageEditIn, responses=s.MessageOut, tags=TAGS)
    def patch(self, request, room_id: str, message_id: str):
        data = self.validate(s.MessageEditIn, request.data)
        message = services.edit_message(
            actor=request.user, room_id=room_id, message_id=message_id, content=data["content"]
        )
        return Response(s.message_representation(message))

    @extend_schema(operation_id="chat_message_delete", responses={204: None}, tags=TAGS)
    def delete(self, request, room_id: str, message_id: str):
        services.delete_message(actor=request.user, room_id=room_id, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomReadView(ApiView):
    roles = SIGNED_IN

    @extend_schema(operation_id="chat_room_read", request=s.ReadIn, responses=s.ReadOut, tags=TAGS)
    def post(self, request, room_id: str):
        data = self.validate(s.ReadIn, request.data)
        mark = services.mark_read(actor=request.user, room_id=room_id, message_id=data["message_id"])
        return Response(s.read_representation(mark))


class RecentMessagesView(ApiView):
    roles = SIGNED_IN

    @extend_schema(operation_id="messages_recent", parameters=[s.RoomsQuery], responses=s.RecentPageOut, tags=TAGS)
    def get(self, request):
        params = self.query(s.RoomsQuery)
        page = services.list_recent_messages(actor=request.user, limit=params["limit"], cursor=params["cursor"] or None)
        return Response(page_body(page, lambda room: s.recent_representation(room, uid=request.user.uid)))


class SendToUserView(ApiView):
    roles = SIGNED_IN

    @extend_schema(
        operation_id="messages_send_to_user",
        request=s.MessageIn,
        responses={200: s.MessageOut, 201: s.MessageOut},
        tags=TAGS,
    )
    def post(self, request, recipient_uid: str):
        data = self.validate(s.MessageIn, request.data)
        message, created = services.send_to_user(
            actor=request.user, recipient_uid=recipient_uid, content=data["content"], client_id=data.get("client_id")
        )
        return _message_response(message, created)
