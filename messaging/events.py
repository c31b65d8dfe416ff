"""Facts the messaging app publishes (plain data), after the write that made them true has committed.

Analytics listens (it sits above messaging); messaging never imports its subscribers.
"""

from django.dispatch import Signal

from cplatform.events import publish

__all__ = ["publish"]

# room_id, room_kind ("direct" | "group" | "course"), course_id (course rooms, else None), sender_uid,
# sender_role - a chat message was stored (a retry with the same client id publishes nothing).
message_sent = Signal()
