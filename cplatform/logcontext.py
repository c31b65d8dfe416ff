"""The request id of the work in hand (an HTTP request, a socket frame, a task), for every log line.

A context variable: each request, socket consumer and task gets its own value, so concurrent work in
one process never mixes ids. Set by middlewares (HTTP), the consumers (WebSocket) and the task
runner (Celery, from the message headers or the outbox entry).
"""

from __future__ import annotations

import contextvars
import re
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# What a client may send as X-Request-ID: a proxy's or a client's id is kept when it looks like one.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def acceptable(value: str | None) -> str | None:
    """The id when it is safe to log and echo (no spaces, no control characters, not too long)."""
    return value if value and _ACCEPTABLE.match(value) else None


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)
