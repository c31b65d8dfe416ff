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

from daphne.http_protocol import WebRequest


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
