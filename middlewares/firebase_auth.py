"""Who is calling: a Bearer Firebase ID token (mobile) or the `session` cookie (web pages).

`authenticate(request)` is the single place that turns credentials into an Actor; the Django
middleware, the DRF authentication class and the WebSocket auth all use it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from authentication import identity
from cplatform import errors
from cplatform.actor import Actor

_CACHE_ATTR = "_cplatform_auth"


def actor_from_claims(claims: dict, *, via: str, credential: str) -> Actor:
    return Actor(
        uid=claims["uid"],
        email=claims.get("email", ""),
        role=claims.get("role"),
        via=via,
        credential=credential,
        issued_at=int(claims.get("iat", 0)),
        auth_time=int(claims.get("auth_time", 0)),
    )


def actor_from_token(token: str) -> Actor:
    """Raises Unauthenticated."""
    return actor_from_claims(identity.verify_id_token(token), via="token", credential=token)


def actor_from_session_cookie(cookie: str) -> Actor:
    """Raises Unauthenticated."""
    return actor_from_claims(identity.verify_session_cookie(cookie), via="cookie", credential=cookie)


def _resolve(request) -> Actor | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.Unauthenticated("Use 'Authorization: Bearer <Firebase ID token>'.", code="token_invalid")
        return actor_from_token(token.strip())
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if cookie:
        return actor_from_session_cookie(cookie)
    return None


def authenticate(request) -> Actor | None:
    """The request's Actor, None when it carries no credentials. Raises Unauthenticated (cached)."""
    request = getattr(request, "_request", request)  # DRF wraps Django's request
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        try:
            cached = ("ok", _resolve(request))
        except errors.Unauthenticated as exc:
            cached = ("error", exc)
        setattr(request, _CACHE_ATTR, cached)
    kind, value = cached
    if kind == "error":
        raise value
    return value


def page_actor(request) -> Actor | None:
    """For web pages: bad or revoked credentials simply mean "not signed in"."""
    try:
        return authenticate(request)
    except errors.Unauthenticated:
        return None


class FirebaseAuthMiddleware:
    """Puts a lazily verified `request.actor` on every request (None when not signed in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(lambda: page_actor(request) or _Anonymous())
        response = self.get_response(request)
        # A cookie that no longer verifies (expired, revoked) is removed rather than resent forever.
        cached = getattr(request, _CACHE_ATTR, None)
        if cached and cached[0] == "error" and request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            response.delete_cookie(settings.SESSION_COOKIE_NAME, samesite="Lax")
        return response


class _Anonymous:
    uid = ""
    email = ""
    role = None
    is_authenticated = False
    is_anonymous = True
    is_admin = False

    def has_role(self, *roles: str) -> bool:
        return False

    def __bool__(self) -> bool:
        return False


def actor_context(request) -> dict:
    """Template context: `actor` for the navigation bar and role-dependent links."""
    return {"actor": getattr(request, "actor", None)}
