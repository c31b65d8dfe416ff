"""DRF glue: authentication through middlewares.firebase_auth and the role check on every view."""

from __future__ import annotations

from django.middleware.csrf import CsrfViewMiddleware
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, permissions
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied

from middlewares.firebase_auth import authenticate
from middlewares.roles import check_roles


class _CSRFCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


class FirebaseAuthentication(authentication.BaseAuthentication):
    """Bearer ID token or session cookie; cookie-authenticated unsafe requests must pass CSRF."""

    def authenticate(self, request):
        actor = authenticate(request)
        if actor is None:
            return None
        if actor.via == "cookie" and request.method not in ("GET", "HEAD", "OPTIONS"):
            self._enforce_csrf(request)
        return actor, actor.credential

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

    @staticmethod
    def _enforce_csrf(request):
        check = _CSRFCheck(lambda req: None)
        check.process_request(request._request)
        reason = check.process_view(request._request, None, (), {})
        if reason:
            raise DRFPermissionDenied(f"CSRF failed: {reason}")


class FirebaseAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes FirebaseAuthentication in the OpenAPI schema (both ways of proving who one is)."""

    target_class = FirebaseAuthentication
    name = ["firebaseIdToken", "sessionCookie"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"},
            {"type": "apiKey", "in": "cookie", "name": "session"},
        ]


class RolePermission(permissions.BasePermission):
    """Reads the view's `roles`; a view without one is closed to everybody (deny by default)."""

    def has_permission(self, request, view):
        check_roles(request.user, getattr(view, "roles", None))
        return True
