"""Catalog pages (lists and searches everybody sees alike) kept in the shared Django cache.

The cache is Redis when REDIS_URL is set (shared by every process), per-process memory otherwise.
Every key carries the catalog's generation number; every course write bumps it
(courses.catalog.freshness), so a page built before the write is never read again and expires on
its own. Entries also expire after CATALOG_CACHE_SECONDS: that bounds what the generation cannot
see (a seat hold expiring on its own, a write made by a process with its own memory cache).

Only pages that are the same for every signed-in user are cached: the public catalog and public
searches. `mine=true` (a teacher's own courses, drafts included) is never cached. A page holds
course fields only; what depends on the clock (seats left after expired holds) is computed when the
page is served. See docs/search.md ("Cache and staleness").
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from firestore_operations.pagination import Page

PREFIX = "catalog"
GENERATION_KEY = f"{PREFIX}:gen"


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY) or 1
    return int(value)


def invalidate() -> None:
    """Forget every cached catalog page (a course changed)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        # No counter yet (or evicted): start above any generation a page could still carry.
        cache.set(GENERATION_KEY, 2, None)


def cached_page(params: dict, build: Callable[[], Page]) -> Page:
    """The page for these validated query parameters, from the cache or built (and kept)."""
    ttl = settings.CATALOG_CACHE_SECONDS
    if ttl <= 0:
        return build()
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:24]
    key = f"{PREFIX}:page:{generation()}:{digest}"
    page = cache.get(key)
    if page is None:
        page = build()
        cache.set(key, page, ttl)
    return page
