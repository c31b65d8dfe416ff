"""Fixed-window counters in the shared cache (Redis when several processes run)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from cplatform import errors


def _key(scope: str, subject: str, window: int) -> tuple[str, int]:
    bucket = int(time.time()) // window
    return f"rl:{scope}:{subject}:{bucket}", window - int(time.time()) % window


def count(scope: str, subject: str, window: int) -> int:
    key, _ = _key(scope, subject, window)
    return int(cache.get(key, 0))


def hit(scope: str, subject: str, window: int) -> int:
    key, remaining = _key(scope, subject, window)
    if cache.add(key, 1, remaining + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, remaining + 1)
        return 1


def reset(scope: str, subject: str, window: int) -> None:
    """Forget this window's count (a successful sign-in clears its own failures)."""
    key, _ = _key(scope, subject, window)
    cache.delete(key)


def ensure_below(scope: str, subjects: list[str], *, limit: int, window: int, message: str) -> None:
    """Raise RateLimited when any subject already reached `limit` hits in this window."""
    for subject in subjects:
        if count(scope, subject, window) >= limit:
            _, remaining = _key(scope, subject, window)
            raise errors.RateLimited(message, retry_after=max(1, remaining))


def consume_upload(uid: str) -> None:
    """Count one upload (photo, cover or material) of this user. Raises RateLimited past UPLOAD_LIMIT."""
    consume(
        "upload",
        uid,
        limit=settings.UPLOAD_LIMIT,
        window=settings.UPLOAD_WINDOW_SECONDS,
        message=f"At most {settings.UPLOAD_LIMIT} uploads per {settings.UPLOAD_WINDOW_SECONDS // 60} minutes; "
        "try again later.",
    )


def consume(scope: str, subject: str, *, limit: int, window: int, message: str) -> None:
    """Count one action and raise RateLimited once more than `limit` happened in the window."""
    if hit(scope, subject, window) > limit:
        _, remaining = _key(scope, subject, window)
        raise errors.RateLimited(message, retry_after=max(1, remaining))
