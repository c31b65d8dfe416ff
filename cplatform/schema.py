"""The OpenAPI schema tells the truth: who may call a route, which errors it answers, what it refuses.

drf-spectacular reads serializers well but knows nothing of our role gate, body limits or the error
shape; this AutoSchema adds them from the same facts the request path uses (`roles`/`method_roles`,
StrictSerializer), so a generated client handles every status the server can send.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from cplatform.serializers import StrictSerializer
from middlewares.roles import PUBLIC

ERROR_REF = {"$ref": "#/components/schemas/Error"}

# Why each status can come back, worded for the schema reader.
ERROR_DESCRIPTIONS = {
    "400": "The input breaks a rule; `fields` names the culprits.",
    "401": "No credentials, or an expired, revoked or invalid token or session cookie.",
    "403": "Signed in, but this role or user may not do this (or the CSRF check failed).",
    "404": "Nothing with this id exists, or the caller may not know that it does.",
    "409": "The request clashes with the current state (duplicate, wrong status, a concurrent change).",
    "413": "The request body is over this route's size limit.",
    "414": "The request line (path and query string) is over 16 KB.",
    "415": "The body's media type or file type is not accepted here.",
    "429": "Too many requests of this kind; retry after the `Retry-After` header's seconds.",
    "503": "A backend (Firestore, Auth, Storage, Redis) is unreachable; retry later.",
}

SIGNED_IN_SECURITY = [{"firebaseIdToken": []}, {"sessionCookie": []}]
BODY_METHODS = {"POST", "PUT", "PATCH"}


class TruthfulAutoSchema(AutoSchema):
    """Adds security, error responses and strict request bodies to every operation."""

    def roles_for_method(self):
        method_roles = getattr(type(self.view), "method_roles", None)
        if method_roles is not None:
            return method_roles.get("GET" if self.method == "HEAD" else self.method)
        return getattr(type(self.view), "roles", None)

    def is_public(self) -> bool:
        return self.roles_for_method() is PUBLIC

    def get_description(self) -> str:
        # Only a view's own docstring describes it; the inherited ApiView docstring is for developers.
        action = getattr(self.view, self.method.lower(), None)
        own = type(self.view).__dict__.get("__doc__")
        return ((action.__doc__ if action is not None else None) or own or "").strip()

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if self.is_public():
            # Optional credentials still count (a signed-in visitor sees the same public answer).
            operation["security"] = [{}, *SIGNED_IN_SECURITY] if self.view.get_authenticators() else []
        else:
            operation["security"] = SIGNED_IN_SECURITY
        for status in self.error_statuses(operation):
            response = operation["responses"].setdefault(status, {"description": ERROR_DESCRIPTIONS[status]})
            response.setdefault("content", {"application/json": {"schema": ERROR_REF}})
        return operation

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                # DRF reads an optional query parameter sent empty (`?teacher=`) as not sent at all.
                parameter["schema"] = {"anyOf": [parameter["schema"], {"type": "string", "enum": [""]}]}
        return parameters

    def error_statuses(self, operation: dict) -> list[str]:
        # 401: a bad token is refused even on a public route, and sign-in answers 401 to a wrong password.
        # 404: besides a missing id, a singleton (a plan, a subscription) may not exist yet.
        statuses = ["401", "404", "413", "414", "429", "503"]
        has_body = self.method in BODY_METHODS
        if has_body or operation.get("parameters") or "requestBody" in operation:
            statuses.append("400")
        if self.view.get_authenticators():
            # A signed-in caller may be refused what a visitor is not asked for.
            statuses.append("403")
        if self.method in BODY_METHODS | {"DELETE"}:
            statuses.append("409")
        if has_body:
            statuses.append("415")
        return sorted(statuses)

    def _get_request_for_media_type(self, serializer, direction="request"):
        # drf-spectacular documents every PATCH body as partial (nothing required); a body whose
        # serializer says `whole_on_patch` is validated whole by its view, and is documented so.
        if self.method == "PATCH" and getattr(serializer, "whole_on_patch", False):
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & set(schema)
        ):
            # DRF trims before its blank check, so "   " is refused as blank: the text needs a non-space.
            schema["pattern"] = r"\S"
        return schema

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if not type(serializer).__dict__.get("__doc__"):
            # A base class's docstring (StrictSerializer's) says nothing about this body.
            schema.pop("description", None)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
            echoed = serializer.echoed_fields()
            if echoed:
                # Sent back from a GET, these are accepted and ignored; documenting them keeps a
                # strict validator from refusing the round trip.
                properties = schema.setdefault("properties", {})
                for name in sorted(echoed - set(properties)):
                    properties[name] = {"readOnly": True, "description": "Ignored: kept by the server."}
        return schema
