"""The error shape as an OpenAPI component (plain data: settings.py appends it to the schema)."""

ERROR_COMPONENT = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code, e.g. `not_found`."},
                "message": {"type": "string", "description": "A sentence for people."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"$ref": "#/components/schemas/ErrorFieldMessages"},
                    "description": "Per-field messages, for validation errors; nested for nested fields "
                    "(an object field's own fields, a list's item positions).",
                },
            },
        }
    },
}

# A field's messages: a list of sentences, or for an object or list field the same shape one level down.
ERROR_FIELD_MESSAGES = {
    "anyOf": [
        {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/ErrorFieldMessages"}]},
        },
        {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/ErrorFieldMessages"}},
    ]
}
