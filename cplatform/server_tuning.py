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

from daphne.http_protocol import WebRequest
from twisted.web.http import HTTPChannel


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
