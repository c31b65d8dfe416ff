"""JSON bodies keep their JSON types: `0` is not text and `"true"` is not a boolean.

DRF coerces scalars on input (a number sent for a text field becomes its text). Pages validate form
text with the same serializers and need that, so the check is tied to where the data came from:
the API's parser and the chat socket decode objects as `JsonObject`, and validate_input checks each
value of one against its field as sent (`cplatform.serializers.json_body_errors`).
"""

from __future__ import annotations

import codecs
import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant


class JsonObject(dict):
    """A JSON object as a client sent it (a dict; the type says its values are JSON-typed)."""


def loads(text: str | bytes):
    """json.loads with objects as JsonObject and NaN/Infinity refused."""
    return json.loads(text, object_hook=JsonObject, parse_constant=strict_constant)


class TypedJSONParser(parsers.JSONParser):
    """The API's JSON parser: DRF's, with objects decoded as JsonObject."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return loads(codecs.getreader(encoding)(stream).read())
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
