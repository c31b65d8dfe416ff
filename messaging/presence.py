"""Who is online and which room they are looking at, kept in the shared cache (Redis in production).

Best effort by design: entries expire unless a socket refreshes them (clients ping every 30 s), so
a crashed process leaves nothing stale for longer than the TTL. The notification dispatcher asks
`is_viewing` to skip "new message" notifications for a room the user has open.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _viewing_key(uid: str, room_id: str) -> str:
    return f"chat:viewing:{uid}:{room_id}"


def _online_key(uid: str) -> str:
    return f"chat:online:{uid}"


def set_viewing(uid: str, room_id: str) -> None:
    cache.set(_viewing_key(uid, room_id), 1, settings.CHAT_VIEWING_TTL_SECONDS)


def clear_viewing(uid: str, room_id: str) -> None:
    cache.delete(_viewing_key(uid, room_id))


def is_viewing(uid: str, room_id: str) -> bool:
    """Whether one of the user's sockets has the room open (room.open, refreshed by pings)."""
    return bool(cache.get(_viewing_key(uid, room_id)))


def socket_opened(uid: str) -> bool:
    """Count one more socket of the user; True when it is the first (the user came online)."""
    key = _online_key(uid)
    if cache.add(key, 1, settings.CHAT_PRESENCE_TTL_SECONDS):
        return True
    try:
        return cache.incr(key) == 1
    except ValueError:  # expired between add and incr
        cache.add(key, 1, settings.CHAT_PRESENCE_TTL_SECONDS)
        return True


def socket_closed(uid: str) -> bool:
    """Count one socket less; True when it was the last (the user went offline)."""
    key = _online_key(uid)
    try:
        remaining = cache.decr(key)
    except ValueError:
        return True
    if remaining <= 0:
        cache.delete(key)
        return True
    return False


def refresh(uid: str, room_ids: set[str]) -> None:
    """Keep the user's online counter and open rooms alive (called on every ping)."""
    if not cache.touch(_online_key(uid), settings.CHAT_PRESENCE_TTL_SECONDS):
        cache.add(_online_key(uid), 1, settings.CHAT_PRESENCE_TTL_SECONDS)
    for room_id in room_ids:
        set_viewing(uid, room_id)


def is_online(uid: str) -> bool:
    return bool(cache.get(_online_key(uid)))
