"""Counts the Firestore reads and writes of each request; DEBUG returns them as response headers."""

from __future__ import annotations

import logging

from django.conf import settings

from firestore_operations import metrics

logger = logging.getLogger("cplatform.firestore")


class FirestoreMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with metrics.counting() as counts:
            response = self.get_response(request)
        if settings.FIRESTORE_COUNT_HEADERS:
            response["X-Firestore-Reads"] = str(counts.reads)
            response["X-Firestore-Writes"] = str(counts.writes)
            response["X-Firestore-Queries"] = str(counts.queries)
        if counts.reads or counts.writes:
            logger.debug(
                "%s %s firestore reads=%d writes=%d queries=%d",
                request.method,
                request.path,
                counts.reads,
                counts.writes,
                counts.queries,
            )
        return response
