"""The base of every API view, and the health endpoints."""

from __future__ import annotations

import concurrent.futures
import logging

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from authentication import identity
from cplatform import errors
from cplatform.serializers import validate_input
from firestore_operations import health, storage
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


_probe_pool = concurrent.futures.ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")


def _auth_probe() -> None:
    identity.account_exists("readyz-probe")


class ReadyzView(ApiView):
    """Firestore, Firebase Auth and Cloud Storage all answer within 5 seconds."""

    roles = PUBLIC
    authentication_classes: list = []
    PROBES = {"firestore": health.ping_firestore, "auth": _auth_probe, "storage": storage.ping}
    TIMEOUT = 5.0

    @extend_schema(responses={200: HealthOut, 503: HealthOut}, tags=["health"])
    def get(self, request):
        futures = {name: _probe_pool.submit(probe) for name, probe in self.PROBES.items()}
        done, _ = concurrent.futures.wait(futures.values(), timeout=self.TIMEOUT)
        checks = {}
        for name, future in futures.items():
            if future not in done:
                checks[name] = "timeout"
            elif future.exception() is not None:
                logger.warning("readiness probe %s failed: %s", name, future.exception())
                checks[name] = f"error: {type(future.exception()).__name__}"
            else:
                checks[name] = "ok"
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
