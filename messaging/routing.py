"""WebSocket routes (filled by the messaging app)."""

websocket_urlpatterns: list = []
