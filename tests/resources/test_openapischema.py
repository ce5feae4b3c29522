"""JSON Schema in OpenAPI 3.0 terms: what a plugin's collector schema becomes
in /api/openapi.json."""

from __future__ import annotations

from shopdb.resources.openapischema import as_openapi30


def test_null_in_a_type_list_becomes_nullable_at_every_depth():
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "port": {"type": ["integer", "null"], "minimum": 1},
            "tags": {"type": "array", "items": {"type": ["string", "null"]}},
            "either": {"type": ["string", "integer"]},
            "kind": {"const": "pc", "examples": ["pc", "kiosk"]},
        },
    }
    assert as_openapi30(schema) == {
        "type": "object",
        "properties": {
            "port": {"type": "integer", "nullable": True, "minimum": 1},
            "tags": {"type": "array", "items": {"type": "string", "nullable": True}},
            "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "kind": {"enum": ["pc"], "example": "pc"},
        },
    }
    assert schema["properties"]["port"]["type"] == ["integer", "null"], "the input is kept"
