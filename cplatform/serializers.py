"""Serializer pieces every app shares: strict input, page queries, timestamps."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cplatform.json_body import JsonObject
from firestore_operations.documents import iso
from firestore_operations.pagination import MAX_LIMIT


def validate_input(serializer_class, data, **kwargs) -> dict:
    """Validate request or frame data with an action's input serializer: the one way every API view,
    page and WebSocket consumer checks input. Raises DRF's ValidationError (mapped to the error shape
    by cplatform.exception_handler.to_domain_error)."""
    serializer = serializer_class(data=data, **kwargs)
    valid = serializer.is_valid()
    # A JSON body's 0 is not the text "0" (cplatform/json_body.py); form text from pages is coerced.
    wrong = json_body_errors(serializer.fields, data) if isinstance(data, JsonObject) else {}
    if not valid or wrong:
        raise serializers.ValidationError({**(serializer.errors if not valid else {}), **wrong})
    return serializer.validated_data


_WHOLE_TEXT = re.compile(r"-?[0-9]+")


def validate_query(serializer_class, params) -> dict:
    """Validate a request's query parameters with an action's query serializer. Raises DRF's
    ValidationError."""
    # Python's int() forgives spaces, "+" and "_" ("\r 7"); a whole number in a URL is its digits only,
    # as the schema's integer says. Empty means "not sent" and is left to the field.
    wrong = {
        name: [_TYPE_MESSAGES[WHOLE]]
        for name, field in serializer_class().fields.items()
        if isinstance(field, serializers.IntegerField)
        and (value := params.get(name))
        and not _WHOLE_TEXT.fullmatch(value)
    }
    if wrong:
        raise serializers.ValidationError(wrong)
    return validate_input(serializer_class, params)


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeField(serializers.Field):
    """UTC datetimes as ISO 8601 with a Z."""

    json_types = (str,)

    def to_representation(self, value):
        return iso(value)

    def to_internal_value(self, data):
        return serializers.DateTimeField().to_internal_value(data)


class CursorPageQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


def cursor_page_out(name: str, item_serializer: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The shape of one page of a list, `items` and `next_cursor`, for the OpenAPI schema (views build the
    body with cplatform.api.page_body): `CoursePageOut = cursor_page_out("CoursePageOut", CourseOut)`."""
    fields = {"items": item_serializer(many=True), "next_cursor": serializers.CharField(allow_null=True)}
    return type(name, (serializers.Serializer,), {**fields, "__module__": item_serializer.__module__})


TEXT, BOOLEAN, WHOLE, NUMBER = (str,), (bool,), (int,), (int, float)
_TYPE_MESSAGES = {
    TEXT: "Must be text (a JSON string).",
    BOOLEAN: "Must be true or false.",
    WHOLE: "Must be a whole number.",
    NUMBER: "Must be a number.",
}


def _json_types(field: serializers.Field) -> tuple[type, ...] | None:
    """The JSON types a field takes in a JSON body; None when it has no rule here (nested, files...)."""
    if isinstance(field, serializers.BooleanField):
        return BOOLEAN
    if isinstance(field, serializers.IntegerField):
        return WHOLE
    if isinstance(field, serializers.FloatField):
        return NUMBER
    if isinstance(field, serializers.CharField | serializers.DateTimeField | serializers.DateField):
        return TEXT
    if isinstance(field, serializers.ChoiceField) and not isinstance(field, serializers.MultipleChoiceField):
        return TEXT if all(isinstance(key, str) for key in field.choices) else None
    return getattr(field, "json_types", None)


def _json_value_error(field: serializers.Field, value):
    """The error for a value the schema refuses as sent (a message list, or {index/key: ...} inside a
    list, map or nested object), None when it is right."""
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.ListField | serializers.ListSerializer) and isinstance(value, list):
        inner = {i: e for i, item in enumerate(value) if (e := _json_value_error(field.child, item))}
        return inner or None
    if isinstance(field, serializers.DictField) and isinstance(value, dict):
        inner = {key: e for key, item in value.items() if (e := _json_value_error(field.child, item))}
        return inner or None
    if isinstance(field, serializers.Serializer) and isinstance(value, dict):
        return json_body_errors(field.fields, value) or None
    types = _json_types(field)
    if types is None:
        return None
    if types == WHOLE and isinstance(value, float):
        wrong = not value.is_integer()  # JSON Schema's integer: 12.0 is one
    else:
        wrong = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
    if wrong:
        return [_TYPE_MESSAGES[types]]
    limit = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and limit is not None and len(value) > limit:
        # DRF trims before counting; the schema's maxLength counts what was sent, spaces included.
        return [field.error_messages["max_length"].format(max_length=limit)]
    return None


def json_body_errors(fields, data: dict) -> dict:
    """{field: error} for the values of a JSON object the schema refuses as sent: a JSON type the field
    does not take, or text over its length before trimming."""
    return {
        name: error
        for name, value in data.items()
        if name in fields and not fields[name].read_only and (error := _json_value_error(fields[name], value))
    }


@functools.cache
def _echoed_fields(strict_class, output_class) -> frozenset[str]:
    if output_class is None:
        return frozenset()
    return frozenset(set(output_class().fields) - set(strict_class().fields))


class StrictSerializer(serializers.Serializer):
    """Unknown fields are a 400 naming them, not silently dropped (a typo would otherwise look like success)."""

    # Fields a client may plausibly send but may not set here (kept by the server, changed elsewhere):
    # when any of them is sent, only those are reported, each with its hint.
    unknown_hints: dict[str, str] = {}
    # The output serializer of the same resource: its fields that are not input here are read-only and,
    # sent back unchanged by a client that GETs, edits and PUTs the whole object, are ignored.
    echo_of: type[serializers.Serializer] | None = None

    @classmethod
    def echoed_fields(cls) -> frozenset[str]:
        return _echoed_fields(cls, cls.echo_of)

    # Echoed fields that must still equal the current value (passed as context["current"]): a changed
    # role or email is a mistake worth a clear 400, an unchanged one is just a full-object round trip.
    guarded_echo: dict[str, str] = {}

    def to_internal_value(self, data):
        # Checked here rather than in validate() so that nested strict serializers refuse too.
        if isinstance(data, Mapping):
            echoed = self.echoed_fields() & set(data)
            if echoed:
                self._check_guarded_echo({name: data[name] for name in echoed})
                data = {name: data[name] for name in data if name not in echoed}
            unknown = set(data) - set(self.fields)
            hinted = sorted(unknown & set(self.unknown_hints))
            if hinted:
                raise serializers.ValidationError({name: [self.unknown_hints[name]] for name in hinted})
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        return super().to_internal_value(data)

    def _check_guarded_echo(self, echoed: dict) -> None:
        current = self.context.get("current") or {}
        changed = sorted(
            name for name in echoed if name in self.guarded_echo and echoed[name] != current.get(name, echoed[name])
        )
        if changed:
            raise serializers.ValidationError({name: [self.guarded_echo[name]] for name in changed})
