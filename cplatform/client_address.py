"""The client's address, read correctly behind the documented load balancer.

Behind a proxy every request's REMOTE_ADDR is the proxy's, so anything keyed on it (sign-in limits)
would lump every user together. With BEHIND_PROXY the address comes from X-Forwarded-For: each
trusted proxy appends the address it received the request from, so the entry PROXY_HOPS places from
the right is the one our nearest trusted proxy saw; entries further left were written by the client
and are never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's IP address (a string), or "unknown"."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not settings.BEHIND_PROXY:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < settings.PROXY_HOPS:
        return remote
    candidate = hops[-settings.PROXY_HOPS]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
