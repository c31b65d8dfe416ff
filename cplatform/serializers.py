"""Serializer pieces every app shares: page queries, timestamps."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from firestore_operations.documents import iso
from firestore_operations.pagination import MAX_LIMIT


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeField(serializers.Field):
    """UTC datetimes as ISO 8601 with a Z."""

    def to_representation(self, value):
        return iso(value)

    def to_internal_value(self, data):
        return serializers.DateTimeField().to_internal_value(data)


class CursorPageQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=20)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
