"""Notifications, notification settings and push devices API: one thin view per action.

Everyone signed in may call these; each acts only on the caller's own data.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from cplatform.api import ApiView, page_body
from messaging import notification_serializers as s
from messaging import notification_services as services
from middlewares.roles import SIGNED_IN


class NotificationListView(ApiView):
    roles = SIGNED_IN

    @extend_schema(parameters=[s.NotificationListIn], responses=s.NotificationPageOut, tags=["notifications"])
    def get(self, request):
        query = self.query(s.NotificationListIn)
        page = services.list_my_notifications(
            actor=request.user, unread_only=query["unread"], limit=query["limit"], cursor=query["cursor"] or None
        )
        return Response(page_body(page, s.notification_representation))


class NotificationReadView(ApiView):
    roles = SIGNED_IN

    @extend_schema(request=None, responses=s.NotificationOut, tags=["notifications"])
    def post(self, request, notification_id: str):
        item = services.mark_notification_read(actor=request.user, notification_id=notification_id)
        return Response(s.notification_representation(item))


class NotificationReadAllView(ApiView):
    roles = SIGNED_IN

    @extend_schema(request=None, responses=s.ReadAllOut, tags=["notifications"])
    def post(self, request):
        return Response(services.mark_all_notifications_read(actor=request.user))


class UnreadCountView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.UnreadCountOut, tags=["notifications"])
    def get(self, request):
        return Response({"unread": services.count_my_unread_notifications(actor=request.user)})


class NotificationSettingsView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.NotificationSettingsOut, tags=["notifications"])
    def get(self, request):
        return Response(s.settings_representation(services.get_notification_settings(actor=request.user)))

    @extend_schema(request=s.NotificationSettingsIn, responses=s.NotificationSettingsOut, tags=["notifications"])
    def put(self, request):
        changes = self.validate(s.NotificationSettingsIn, request.data)
        values = services.update_notification_settings(actor=request.user, changes=changes)
        return Response(s.settings_representation(values))


class RoomMuteView(ApiView):
    roles = SIGNED_IN

    @extend_schema(request=None, responses=s.NotificationSettingsOut, tags=["notifications"])
    def post(self, request, room_id: str):
        return Response(s.settings_representation(services.mute_room(actor=request.user, room_id=room_id)))

    @extend_schema(request=None, responses={200: s.NotificationSettingsOut}, tags=["notifications"])
    def delete(self, request, room_id: str):
        return Response(s.settings_representation(services.unmute_room(actor=request.user, room_id=room_id)))


class MyDevicesView(ApiView):
    roles = SIGNED_IN

    @extend_schema(responses=s.DeviceListOut, tags=["devices"])
    def get(self, request):
        devices = services.list_my_devices(actor=request.user)
        return Response({"items": [s.device_representation(device) for device in devices]})

    @extend_schema(request=s.DeviceIn, responses={201: s.DeviceOut, 200: s.DeviceOut}, tags=["devices"])
    def post(self, request):
        data = self.validate(s.DeviceIn, request.data)
        device, created = services.register_device(actor=request.user, token=data["token"], platform=data["platform"])
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.device_representation(device), status=code)


class MyDeviceView(ApiView):
    roles = SIGNED_IN

    @extend_schema(request=None, responses={204: None}, tags=["devices"])
    def delete(self, request, token: str):
        services.unregister_device(actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
