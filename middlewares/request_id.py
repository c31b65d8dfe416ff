"""A request id for every HTTP request: the caller's X-Request-ID (a proxy's, a client's) when it is
a sane token, else a new one; in every log line of the request, in the response header, and in the
headers and outbox entries of the background tasks the request starts."""

from __future__ import annotations

import logging
import time

from cplatform import logcontext

logger = logging.getLogger("cplatform.request")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logcontext.acceptable(request.headers.get(HEADER)) or logcontext.new_request_id()
        request.request_id = request_id
        token = logcontext.set_request_id(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            # One line per request: the 5xx-rate alert and latency graphs read these (docs/operations.md).
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            logcontext.reset_request_id(token)
