"""How large a request body each route accepts, decided from the headers before a byte of it is read.

Daphne (Twisted) buffers a whole request body before the app sees it, so a limit checked in a view
comes too late: a 1.5 GB POST to any URL would sit in memory first. cplatform.server_tuning asks
`body_limit(path)` as soon as the headers arrived and answers 413 without reading the body (and
stops a chunked body as soon as it passes the limit). The proxy in front should refuse the same
sizes (docs: README, "Production deployment").
"""

from __future__ import annotations

import re

from django.conf import settings

from cplatform.uploads.limits import FORM_OVERHEAD

_MATERIAL_UPLOADS = re.compile(r"(?:/api/v1)?/courses/[^/]+/materials/?")
_IMAGE_UPLOADS = re.compile(
    r"/api/v1/me/photo|/profile/photo/|(?:/api/v1)?/courses/[^/]+/cover/?|/api/v1/content/posts/[^/]+/cover"
)


def body_limit(path: str) -> int:
    """The most bytes a request body to `path` (no query string) may have."""
    if _MATERIAL_UPLOADS.fullmatch(path):
        return settings.MATERIAL_MAX_BYTES + FORM_OVERHEAD
    if _IMAGE_UPLOADS.fullmatch(path):
        return max(settings.PROFILE_PHOTO_MAX_BYTES, settings.COVER_MAX_BYTES) + FORM_OVERHEAD
    return settings.REQUEST_MAX_BYTES
