"""Domain events: how an app that owns a fact tells the apps above it, without importing them.

Each app declares its events (Django signals) in its own `events.py` and documents their plain-data
arguments there; services publish after the write committed; subscribers connect in their
AppConfig.ready. A subscriber's failure is logged, never turned into an error for the request that
caused the event: every reaction is repairable, the committed change is not undone.
"""

from __future__ import annotations

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)


def publish(signal: Signal, **data) -> None:
    """Send `data` to every receiver; a receiver that fails is logged and the others still run."""
    for receiver, result in signal.send_robust(sender=None, **data):
        if isinstance(result, Exception):
            logger.error("receiver %s failed", getattr(receiver, "__name__", receiver), exc_info=result)
