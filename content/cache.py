"""Rendered HTML fragments of public content, kept in the Django cache (Redis when REDIS_URL is set).

Every key carries the generation number of the kinds it depends on; a write bumps its kind's
generation, so every fragment built from the old state (the item, the lists, the feeds, the
sitemap) is never read again and expires on its own. Entries also expire after
CONTENT_CACHE_SECONDS, and lists sooner when a scheduled item is due before that, so a scheduled
post appears on time without anyone touching the cache.

With several processes the cache must be shared (Redis); with per-process memory caches a process
may show an old fragment for up to CONTENT_CACHE_SECONDS after another process changed the item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

PREFIX = "content"


def _generation_key(scope: str) -> str:
    return f"{PREFIX}:gen:{scope}"


def generation(scope: str) -> int:
    value = cache.get(_generation_key(scope))
    if value is None:
        cache.add(_generation_key(scope), 1, None)
        value = cache.get(_generation_key(scope)) or 1
    return int(value)


def invalidate(*scopes: str) -> None:
    """Forget every fragment that depends on these scopes: content kinds (a Kind is a str) or extra
    scopes such as 'course:<id>'."""
    for scope in scopes:
        key = _generation_key(str(scope))
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 2, None)


def seconds_until(moment: dt.datetime | None, *, now: dt.datetime) -> int | None:
    if moment is None:
        return None
    return max(1, int((moment - now).total_seconds()) + 1)


def cached(
    key: str,
    scopes: tuple[str, ...],
    build: Callable[[], tuple[object, int | None]],
) -> tuple[object, bool]:
    """(value, hit). `build()` returns (value, seconds it may be kept at most, or None); values are
    plain dicts and strings (rendered HTML and the metadata a page needs), never None."""
    ttl = settings.CONTENT_CACHE_SECONDS
    if ttl <= 0:
        return build()[0], False
    versions = ".".join(str(generation(str(scope))) for scope in scopes)
    full_key = f"{PREFIX}:html:{versions}:{key}"
    html = cache.get(full_key)
    if html is not None:
        return html, True
    html, limit = build()
    cache.set(full_key, html, min(ttl, limit) if limit else ttl)
    return html, False
