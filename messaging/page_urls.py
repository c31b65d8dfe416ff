"""Web pages of the messaging app: the chat and the notifications (the API lives under /api/v1/)."""

from django.urls import path

from messaging import pages, people_pages

urlpatterns = [
    path("chat/", pages.chat, name="chat"),
    path("chat/new/", pages.start_direct, name="chat-new"),
    path("chat/<str:room_id>/", pages.chat, name="chat-room"),
    path("people/<str:uid>/", people_pages.person, name="person"),
    path("notifications/", pages.notifications, name="notifications"),
    path("notifications/read-all/", pages.read_all_notifications, name="notifications-read-all"),
    path("notifications/settings/", pages.notification_settings, name="notification-settings"),
    path("notifications/<str:notification_id>/read/", pages.read_notification, name="notification-read"),
]
