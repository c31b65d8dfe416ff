"""Daphne adjustments, applied when the ASGI app is loaded by daphne.

Twisted's Request parses every multipart/url-encoded POST body into `request.args` with the email
parser - a full in-memory copy (about 650 MB of RSS for a 50 MB upload, measured by
bench/materials.py) that daphne never uses. Twisted takes `parsePOSTFormSubmission=False` for
exactly this; daphne does not pass it, so we default it here. Daphne still queues the raw body
once (about the body's size); uvicorn streams it, which is why production docs suggest uvicorn for
upload-heavy deployments.
"""

from __future__ import annotations

import functools
import json

from autobahn import util as autobahn_util
from daphne.http_protocol import WebRequest
from twisted.web.http import HTTPChannel, Request

from cplatform.body_limits import body_limit


def disable_twisted_form_parsing() -> bool:
    if getattr(WebRequest, "_cplatform_no_form_parsing", False):
        return True
    original = WebRequest.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original(self, *args, **kwargs)

    WebRequest.__init__ = __init__
    WebRequest._cplatform_no_form_parsing = True
    return True


_TOO_LONG_BODY = json.dumps(
    {
        "error": {
            "code": "uri_too_long",
            "message": "The address (or one header) is too long: at most 16 KB. Shorten the query.",
        }
    }
).encode()


def _answer_overlong_line(self, line) -> None:
    # Twisted's default hangs up without a word, which clients and proxies report as a network error.
    self.transport.write(
        b"HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(_TOO_LONG_BODY)
        + _TOO_LONG_BODY
    )
    self.transport.loseConnection()


def answer_overlong_request_lines() -> None:
    """A request line or header over Twisted's 16 KB line limit gets 414 in the error shape instead of
    a dropped connection."""
    HTTPChannel.lineLengthExceeded = _answer_overlong_line


def _error_answer(status: bytes, code: str, message: str) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        + body
    )


def _refuse_large_body(channel, limit: int) -> None:
    channel.transport.write(
        _error_answer(
            b"413 Content Too Large",
            "too_large",
            f"The request body is larger than this address accepts ({limit:,} bytes at most).",
        )
    )
    channel.transport.loseConnection()


def limit_request_bodies() -> None:
    """Refuse a body over its route's limit (cplatform.body_limits) from its Content-Length, before
    reading it; stop a chunked body as soon as it passes the limit."""
    if getattr(HTTPChannel, "_cplatform_body_limits", False):
        return
    all_headers_received = HTTPChannel.allHeadersReceived
    handle_content_chunk = Request.handleContentChunk

    def allHeadersReceived(self):
        path = (getattr(self, "_path", b"") or b"").split(b"?", 1)[0].decode("latin-1")
        limit = body_limit(path)
        request = self.requests[-1] if self.requests else None
        if request is not None:
            request._cplatform_body_limit = limit
            request._cplatform_body_read = 0
        if self.length is not None and self.length > limit:
            self._cplatform_refused = True
            if request is not None:
                request._cplatform_discard = True  # whatever arrives before the close is dropped
            _refuse_large_body(self, limit)
            return
        all_headers_received(self)

    def handleContentChunk(self, data):
        if getattr(self, "_cplatform_discard", False):
            return
        limit = getattr(self, "_cplatform_body_limit", None)
        if limit is not None:
            self._cplatform_body_read += len(data)
            if self._cplatform_body_read > limit:
                self._cplatform_discard = True
                if not getattr(self.channel, "_cplatform_refused", False):
                    self.channel._cplatform_refused = True
                    _refuse_large_body(self.channel, limit)
                return
        handle_content_chunk(self, data)

    HTTPChannel.allHeadersReceived = allHeadersReceived
    Request.handleContentChunk = handleContentChunk
    HTTPChannel._cplatform_body_limits = True


def plain_autobahn_debug_text() -> None:
    """Autobahn (daphne's WebSocket layer) builds a coloured debug line through click for every frame
    it sends, even when debug logging is off; with 200 sockets in a room that was about a quarter of
    the fan-out's time (bench/chat_fanout.py under cProfile). Plain text costs far less; nothing here
    logs autobahn's debug lines anyway."""
    autobahn_util._HAS_CLICK = False
