"""The base of every API view, and the health endpoints."""

from __future__ import annotations

import logging

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cplatform import background, errors, health
from cplatform.serializers import CursorPageQuery, IsoDateTimeField, cursor_page_out, validate_input, validate_query
from middlewares.roles import ADMINS, PUBLIC

logger = logging.getLogger(__name__)


class ApiView(APIView):
    """Subclasses must set `roles` (a set of roles, SIGNED_IN, or PUBLIC); without it the view is closed."""

    roles = None

    @staticmethod
    def validate(serializer_class, data, **kwargs) -> dict:
        return validate_input(serializer_class, data, **kwargs)

    def query(self, serializer_class) -> dict:
        return validate_query(serializer_class, self.request.query_params)


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


# --- background work, for admins ---------------------------------------------------------------

# Bodies can hold one-time links (email verification): an admin sees whom and what, not the text.
HIDDEN_PAYLOAD_KEYS = frozenset({"body"})


class FailedTaskOut(serializers.Serializer):
    id = serializers.CharField()
    task = serializers.CharField()
    attempts = serializers.IntegerField()
    error = serializers.CharField()
    request_id = serializers.CharField(allow_null=True)
    payload = serializers.DictField()
    created_at = IsoDateTimeField(allow_null=True)
    failed_at = IsoDateTimeField()


FailedTaskPageOut = cursor_page_out("FailedTaskPageOut", FailedTaskOut)


def failed_task_representation(item: dict) -> dict:
    payload = {key: value for key, value in (item.get("payload") or {}).items() if key not in HIDDEN_PAYLOAD_KEYS}
    return FailedTaskOut(
        {
            **item,
            "payload": payload,
            "error": item.get("error") or "",
            "task": item.get("task") or "",
            "attempts": item.get("attempts") or 0,
            "request_id": item.get("request_id"),
            "created_at": item.get("created_at"),
        }
    ).data


class FailedTaskListView(ApiView):
    """Background tasks that ran out of attempts (emails, pushes), most recent first."""

    roles = ADMINS

    @extend_schema(parameters=[CursorPageQuery], responses=FailedTaskPageOut, tags=["admin"])
    def get(self, request):
        params = self.query(CursorPageQuery)
        page = background.list_failed_tasks(actor=request.user, limit=params["limit"], cursor=params["cursor"] or None)
        return Response(page_body(page, failed_task_representation))


class FailedTaskRetryView(ApiView):
    """Run a failed task again with a fresh set of attempts; it leaves the failed list."""

    roles = ADMINS

    @extend_schema(request=None, responses={202: None}, tags=["admin"])
    def post(self, request, task_id: str):
        background.retry_failed_task(actor=request.user, task_id=task_id)
        return Response(status=202)
