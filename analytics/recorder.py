"""Turning domain events into counts: one blind batch write per event (docs/analytics.md).

A recording failure never reaches the request that caused the event: it is logged and counted
(`failure_count()`, and the `analytics:record-failures` cache counter that every process shares).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import threading

from django.conf import settings
from django.core.cache import cache

from analytics.periods import day_and_slot
from cplatform import text
from cplatform.actor import STUDENT
from firestore_operations import analytics as store
from firestore_operations.analytics import (
    COURSE,
    PLATFORM,
    STUDENT_COURSE,
    TEACHER,
    DailyIncrement,
    StudentCourseChange,
)

logger = logging.getLogger(__name__)

PLATFORM_SCOPE = "all"
QUERY_MAX_CHARS = 80
FAILURES_KEY = "analytics:record-failures"

_failures = 0
_failures_lock = threading.Lock()


def failure_count() -> int:
    """Recording failures in this process since it started."""
    return _failures


def _count_failure() -> None:
    global _failures  # noqa: PLW0603
    with _failures_lock:
        _failures += 1
    try:
        if not cache.add(FAILURES_KEY, 1, None):
            cache.incr(FAILURES_KEY)
    except Exception:
        logger.warning("could not count an analytics recording failure in the cache", exc_info=True)


def _shard() -> int:
    return random.randrange(max(1, settings.ANALYTICS_COUNTER_SHARDS))  # noqa: S311 - spreading load, not a secret


def _platform(counts: dict, active_uid: str | None = None, query=None) -> DailyIncrement:
    return DailyIncrement(PLATFORM, PLATFORM_SCOPE, _shard(), {}, counts, active_uid, query)


def _course(course_id: str, teacher_uid: str, counts: dict, active_uid: str | None = None) -> DailyIncrement:
    labels = {"course_id": course_id, "teacher_uid": teacher_uid}
    return DailyIncrement(COURSE, course_id, _shard(), labels, counts, active_uid)


def _teacher(teacher_uid: str, counts: dict, active_uid: str | None = None) -> DailyIncrement:
    return DailyIncrement(TEACHER, teacher_uid, _shard(), {"teacher_uid": teacher_uid}, counts, active_uid)


def _student_course(course_id: str, teacher_uid: str, student_uid: str, counts: dict) -> DailyIncrement:
    labels = {"course_id": course_id, "teacher_uid": teacher_uid, "student_uid": student_uid}
    return DailyIncrement(STUDENT_COURSE, store.student_course_id(course_id, student_uid), 0, labels, counts)


def _commit(at: dt.datetime, increments: list[DailyIncrement], summaries: list[StudentCourseChange] = ()) -> bool:
    day, slot = day_and_slot(at)
    try:
        store.record(day=day, slot=slot, increments=increments, summaries=list(summaries))
    except Exception:
        logger.exception("analytics: could not record %d counts at %s", len(increments) + len(summaries), at)
        _count_failure()
        return False
    return True


def query_key(query: str) -> tuple[str, str]:
    """(key, shown text) of a search query: folded, spaces collapsed, clipped; the key is a hash of it."""
    shown = " ".join(text.fold(query).split())[:QUERY_MAX_CHARS]
    return hashlib.sha256(shown.encode()).hexdigest()[:16], shown


# --- one function per event ---------------------------------------------------------------------


def signed_in(*, uid: str, at: dt.datetime) -> bool:
    return _commit(at, [_platform({"sign_ins": 1}, uid)])


def course_viewed(
    *, course_id: str, teacher_uid: str, viewer_uid: str | None, viewer_role: str | None, at: dt.datetime
) -> bool:
    student = viewer_uid if viewer_role == STUDENT else None
    counts = {"views": 1}
    return _commit(
        at,
        [
            _platform(counts, viewer_uid),
            _course(course_id, teacher_uid, counts, student),
            _teacher(teacher_uid, counts, student),
        ],
    )


def searched(*, query: str, result_count: int, uid: str | None, at: dt.datetime) -> bool:
    key, shown = query_key(query)
    empty = result_count == 0
    counts = {"searches": 1, "searches_empty": int(empty)}
    return _commit(at, [_platform(counts, uid, (key, shown, empty) if shown else None)])


def enrollment_started(
    *,
    course_id: str,
    teacher_uid: str,
    student_uid: str,
    course_title: str,
    student_name: str,
    promoted: bool,
    at: dt.datetime,
) -> bool:
    counts = {"enrollments": 1}
    actor = None if promoted else student_uid  # a promotion is not something the student did today
    summary = StudentCourseChange(
        course_id,
        student_uid,
        fields={
            "teacher_uid": teacher_uid,
            "course_title": course_title,
            "student_name": student_name,
            "active": True,
            "enrolled_at": at,
            "ended_at": None,
            "ended_reason": None,
        },
    )
    return _commit(
        at,
        [
            _platform(counts, actor),
            _course(course_id, teacher_uid, counts, actor),
            _teacher(teacher_uid, counts, actor),
        ],
        [summary],
    )


def enrollment_ended(
    *, course_id: str, teacher_uid: str, student_uid: str, course_title: str, reason: str, at: dt.datetime
) -> bool:
    counts = {"withdrawals": 1} if reason == "withdrawn" else {"ended": 1}
    summary = StudentCourseChange(
        course_id,
        student_uid,
        fields={
            "teacher_uid": teacher_uid,
            "course_title": course_title,
            "active": False,
            "ended_at": at,
            "ended_reason": reason,
        },
    )
    return _commit(
        at,
        [_platform(counts), _course(course_id, teacher_uid, counts), _teacher(teacher_uid, counts)],
        [summary],
    )


def attendance_marked(
    *, lesson_id: str, course_id: str, teacher_uid: str, starts_at: dt.datetime, marks: dict[str, str], at: dt.datetime
) -> bool:
    # Marks are set, never added: taking the register again replaces the earlier mark exactly.
    summaries = [
        StudentCourseChange(
            course_id,
            student_uid,
            fields={"teacher_uid": teacher_uid},
            marks={lesson_id: {"at": starts_at, "s": status}},
        )
        for student_uid, status in marks.items()
    ]
    return _commit(at, [], summaries) if summaries else True


def material_downloaded(*, course_id: str, teacher_uid: str, uid: str, role: str | None, at: dt.datetime) -> bool:
    counts = {"downloads": 1}
    student = uid if role == STUDENT else None
    increments = [
        _platform(counts, uid),
        _course(course_id, teacher_uid, counts, student),
        _teacher(teacher_uid, counts, student),
    ]
    summaries = []
    if student:
        increments.append(_student_course(course_id, teacher_uid, student, counts))
        summaries.append(
            StudentCourseChange(
                course_id, student, fields={"teacher_uid": teacher_uid, "last_active_at": at}, counts=counts
            )
        )
    return _commit(at, increments, summaries)


def message_sent(
    *, room_kind: str, course_id: str | None, sender_uid: str, sender_role: str | None, at: dt.datetime
) -> bool:
    counts = {"messages": 1}
    increments = [_platform(counts, sender_uid)]
    summaries = []
    if room_kind == "course" and course_id and sender_role == STUDENT:
        summaries.append(
            StudentCourseChange(course_id, sender_uid, fields={"last_active_at": at}, counts={"messages": 1})
        )
    return _commit(at, increments, summaries)


def feedback_given(*, course_id: str, teacher_uid: str, student_uid: str, at: dt.datetime) -> bool:
    counts = {"feedback": 1}
    summary = StudentCourseChange(course_id, student_uid, fields={"teacher_uid": teacher_uid, "last_active_at": at})
    return _commit(
        at,
        [
            _platform(counts, student_uid),
            _course(course_id, teacher_uid, counts, student_uid),
            _teacher(teacher_uid, counts, student_uid),
        ],
        [summary],
    )


def payment_counted(*, refunded: bool, at: dt.datetime) -> bool:
    """Only how many: amounts stay with the payments app, which the revenue report reads."""
    return _commit(at, [_platform({"refunds": 1} if refunded else {"payments": 1})])
