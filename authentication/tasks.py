"""Periodic work of the accounts app (run by the Celery worker, sent by beat)."""

from __future__ import annotations

import logging

from celery import shared_task

from authentication import services

logger = logging.getLogger(__name__)


@shared_task(name="authentication.reconcile_accounts", acks_late=True, ignore_result=True)
def reconcile_accounts() -> dict:
    """Beat runs this every ACCOUNT_RECONCILE_SECONDS: console edits reach the other side."""
    counts = services.reconcile_accounts()
    logger.info("accounts reconciled: %s", counts)
    return counts
