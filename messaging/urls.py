from django.urls import path

from messaging import api
from messaging.notification_urls import urlpatterns as notification_urlpatterns

urlpatterns = [
    path("chat/rooms", api.RoomsView.as_view()),
    path("chat/rooms/<str:room_id>", api.RoomDetailView.as_view()),
    path("chat/rooms/<str:room_id>/members", api.RoomMembersView.as_view()),
    path("chat/rooms/<str:room_id>/members/<str:uid>", api.RoomMemberView.as_view()),
    path("chat/rooms/<str:room_id>/messages", api.RoomMessagesView.as_view()),
    path("chat/rooms/<str:room_id>/messages/<str:message_id>", api.RoomMessageView.as_view()),
    path("chat/rooms/<str:room_id>/read", api.RoomReadView.as_view()),
    path("chat/direct/<str:uid>", api.DirectRoomView.as_view()),
    path("messages", api.RecentMessagesView.as_view()),
    path("messages/<str:recipient_uid>", api.SendToUserView.as_view()),
]

# Notifications and devices (messaging/notification_*.py, owned by the notifications part).
urlpatterns += notification_urlpatterns
