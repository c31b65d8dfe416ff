"""Channel-layer group names, in one place so senders and the consumer agree.

Every socket joins `user_group(uid)` (notifications, presence of its own user) and the
`room_group(room_id)` of each of its rooms. Events sent to these groups use the frame types of
docs/api.md (e.g. {"type": "notification.new", "notification": {...}}); the consumer forwards them.
"""


def user_group(uid: str) -> str:
    return f"user.{uid}"


def room_group(room_id: str) -> str:
    return f"room.{room_id}"
