"""The analytics app's background work: message counts (kept off the chat send path) and the hourly jobs."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from analytics import jobs, recorder

logger = logging.getLogger(__name__)


@shared_task(name="analytics.record_message_sent", ignore_result=True)
def record_message_sent(
    *, room_kind: str, course_id: str | None, sender_uid: str, sender_role: str | None, at: float
) -> bool:
    """Count one sent message at the time it was sent (the request's clock, not the worker's)."""
    return recorder.message_sent(
        room_kind=room_kind,
        course_id=course_id,
        sender_uid=sender_uid,
        sender_role=sender_role,
        at=dt.datetime.fromtimestamp(at, dt.UTC),
    )


@shared_task(name="analytics.run_jobs", acks_late=True, ignore_result=True)
def run_jobs() -> dict:
    """Beat runs this hourly (settings.CELERY_BEAT_SCHEDULE): early warnings and weekly parent summaries."""
    stats = jobs.run_analytics_jobs()
    logger.info("analytics jobs: %s", stats)
    return stats
