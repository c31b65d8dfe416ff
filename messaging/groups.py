"""Channel-layer group names, in one place so senders and the consumer agree.

Every socket joins `user_group(uid)` with its own channel (notifications, room.joined/room.left,
its own read marks); events sent there use the frame types of docs/api.md (e.g.
{"type": "notification.new", "notification": {...}}) and the consumer forwards them.
`room_group(room_id)` is joined by server processes, not sockets: each process's fan-out channel
is in the group of every room one of its sockets is in, and room frames travel as pre-encoded
envelopes (messaging.fanout; docs/chat.md).
"""


def user_group(uid: str) -> str:
    return f"user.{uid}"


def room_group(room_id: str) -> str:
    return f"room.{room_id}"
