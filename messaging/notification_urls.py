"""Notification and device routes, relative to /api/v1/ (included from messaging/urls.py)."""

from django.urls import path

from messaging import notification_api as api

urlpatterns = [
    path("notifications", api.NotificationListView.as_view()),
    path("notifications/unread-count", api.UnreadCountView.as_view()),
    path("notifications/read-all", api.NotificationReadAllView.as_view()),
    path("notifications/settings", api.NotificationSettingsView.as_view()),
    path("notifications/mute/<str:room_id>", api.RoomMuteView.as_view()),
    path("notifications/<str:notification_id>/read", api.NotificationReadView.as_view()),
    path("me/devices", api.MyDevicesView.as_view()),
    path("me/devices/<str:token>", api.MyDeviceView.as_view()),
]
