"""WebSocket routes: one socket per client carries all its rooms and notifications (docs/api.md "Chat")."""

from django.urls import path

from messaging.consumers import ChatConsumer

websocket_urlpatterns: list = [
    path("ws/", ChatConsumer.as_asgi()),
]
