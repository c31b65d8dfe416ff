"""The base of every API view, and the health endpoints."""

from __future__ import annotations

import logging

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cplatform import errors, health
from cplatform.serializers import validate_input
from middlewares.roles import PUBLIC

logger = logging.getLogger(__name__)


class ApiView(APIView):
    """Subclasses must set `roles` (a set of roles, SIGNED_IN, or PUBLIC); without it the view is closed."""

    roles = None

    @staticmethod
    def validate(serializer_class, data, **kwargs) -> dict:
        return validate_input(serializer_class, data, **kwargs)

    def query(self, serializer_class) -> dict:
        return self.validate(serializer_class, self.request.query_params)


class MethodRolesView(ApiView):
    """A view whose methods admit different roles; a method missing from `method_roles` is closed."""

    method_roles: dict = {}

    @property
    def roles(self):
        method = self.request.method
        return self.method_roles.get("GET" if method == "HEAD" else method)


def page_body(page, represent) -> dict:
    return {"items": [represent(item) for item in page.items], "next_cursor": page.next_cursor}


class HealthOut(serializers.Serializer):
    status = serializers.CharField()
    checks = serializers.DictField(required=False)


class HealthzView(ApiView):
    """The process is up (no backend is touched)."""

    roles = PUBLIC
    authentication_classes: list = []

    @extend_schema(responses=HealthOut, tags=["health"])
    def get(self, request):
        return Response({"status": "ok"})


class ReadyzView(ApiView):
    """Firestore, Firebase Auth and Cloud Storage all answer within 5 seconds."""

    roles = PUBLIC
    authentication_classes: list = []

    @extend_schema(responses={200: HealthOut}, tags=["health"])  # its 503 is the error shape (added for all)
    def get(self, request):
        checks = health.check_backends()
        failing = sorted(name for name, state in checks.items() if state != "ok")
        if failing:
            err = errors.ServiceUnavailable(f"Not ready: {', '.join(failing)} unreachable.", checks=checks)
            return Response(err.as_dict(), status=503)
        return Response({"status": "ready", "checks": checks})


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 document; public so client generators can fetch it."""

    roles = PUBLIC
    authentication_classes: list = []


class DocsView(SpectacularSwaggerView):
    """Browsable API docs (Swagger UI served from our own static files)."""

    roles = PUBLIC
    authentication_classes: list = []
