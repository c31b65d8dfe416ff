"""The messaging app's background work: push fan-outs (outbox entries) and the digest emails (beat)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache

from cplatform import background
from messaging import dispatcher
from messaging.notification_services import send_email_digests

logger = logging.getLogger(__name__)


@background.handler("notification.push")
def push_notification(payload: dict) -> dict:
    return dispatcher.deliver_push(payload)


@shared_task(name="messaging.send_digests", acks_late=True, ignore_result=True)
def send_digests(period: str) -> dict:
    """Beat sends this on the schedule in settings.CELERY_BEAT_SCHEDULE (daily, weekly, held).

    One run per period at a time (a slow run must not overlap the next tick and mail twice); the
    digest queue is in Firestore, so a run that was missed while Redis was down is caught up by the
    next one, and items are removed only once their email went.
    """
    lock = f"digest-run:{period}"
    if not cache.add(lock, 1, 3600):
        logger.info("a %s digest run is still going; skipping this tick", period)
        return {}
    try:
        stats = send_email_digests(period=period)
    finally:
        cache.delete(lock)
    logger.info("%s digests: %s", period, stats)
    return stats
