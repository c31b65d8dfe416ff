"""The one place a committed course write goes through afterwards: the search index follows the
course and the cached catalog pages are dropped.

Catalog changes (create, edit, publish, archive, delete, a teacher's rename) pass the course before
and after; counter changes (enrolments, waitlist, ratings, seat holds, lessons) pass the course as
their atomic unit read it, and the course is read again here. The index only rewrites the postings
whose entry changed (courses.catalog.search.index_course), so a counter change that does not move
a ranking field (search.ranking_fields) writes no postings at all. See docs/search.md.
"""

from __future__ import annotations

import logging

from courses.catalog import page_cache
from courses.catalog.search import index_course
from firestore_operations import courses as course_store

logger = logging.getLogger(__name__)


def course_written(before: dict | None, after: dict | None) -> None:
    """After a committed course write: bring the search index in line, drop cached pages."""
    page_cache.invalidate()
    try:
        index_course(before, after)
    except Exception:
        # The course write committed and must not be reported as failed; search keeps checking
        # each shown course on the course document, and `manage.py reindex_courses` repairs.
        logger.exception("search index not updated for course %s", (after or before or {}).get("id"))


def counters_moved(course_id: str, before: dict) -> dict | None:
    """After a committed change of the course's counters that may move a ranking field (`before`:
    the course as the atomic unit read it). Returns the course as it is now (None when gone)."""
    after = course_store.get_course(course_id)
    if after is None:
        page_cache.invalidate()
    else:
        course_written({**before, "id": course_id}, after)
    return after


def pages_changed() -> None:
    """After a committed change of what a list shows but no ranking field (waitlist, lesson count,
    seat holds, cover): only the cached pages go."""
    page_cache.invalidate()
