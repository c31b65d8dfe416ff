"""Log lines as one JSON object each (LOG_FORMAT=json, the default outside DEBUG), with the request id.

Every line carries `request_id` (cplatform.logcontext: the HTTP request, WebSocket frame or Celery
task it belongs to), so one id finds a request's lines in the app, in the worker that sent its email
and in the socket that delivered its message. Extra fields given with `logger.info(..., extra={})`
are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from cplatform import logcontext

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged too.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    """Puts the current request id on the record (for the plain format as well)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = logcontext.current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": logcontext.current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)
