"""JSON Schema (draft 2020-12, what collectors are validated with) as an
OpenAPI 3.0 schema object, for /api/openapi.json.

OpenAPI 3.0 takes a subset of JSON Schema: one `type` per schema, `nullable`
for null, no `const`, `example` instead of `examples`. Plugins write ordinary
JSON Schema; this turns the parts 3.0 lacks into what it has, so code
generators can read the document.
"""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_cls

# Keywords whose value is a schema, or a list or map of schemas.
ONE_SCHEMA = ("items", "additionalProperties", "not")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SCHEMA_MAPS = ("properties",)
# JSON Schema keywords OpenAPI 3.0 does not have, and nothing here can map.
DROPPED = ("$schema", "$id", "$comment", "$defs", "definitions")


def as_openapi30(schema: Any) -> Any:
    """A copy of `schema` that OpenAPI 3.0 accepts and that validates the same values."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in DROPPED:
            continue
        if key in ONE_SCHEMA:
            result[key] = as_openapi30(value)
        elif key in SCHEMA_LISTS:
            result[key] = [as_openapi30(item) for item in value]
        elif key in SCHEMA_MAPS:
            result[key] = {name: as_openapi30(item) for name, item in value.items()}
        elif key == "const":
            result["enum"] = [value]
        elif key == "examples":
            if value:
                result["example"] = value[0]
        elif key == "type":
            result.update(_one_type(value))
        else:
            result[key] = value
    return result


def _one_type(value: str | list[str]) -> dict[str, Any]:
    """`["string", "null"]` -> `{"type": "string", "nullable": true}`; several
    non-null types become an anyOf."""
    if isinstance(value, str):
        return {"type": value}
    kinds = [kind for kind in value if kind != "null"]
    nullable = {"nullable": True} if len(kinds) < len(value) else {}
    if len(kinds) == 1:
        return {"type": kinds[0], **nullable}
    return {"anyOf": [{"type": kind} for kind in kinds], **nullable}


class DocumentConverter(OpenAPIConverter):
    """apispec's converter, adding what an input schema says of itself beyond
    its fields (`InputSchema.document_keywords`)."""

    def schema2jsonschema(self, schema: Any) -> dict:
        result: dict = super().schema2jsonschema(schema)
        keywords = getattr(resolve_schema_cls(schema), "document_keywords", None)
        return {**result, **keywords()} if keywords else result


class DocumentPlugin(MarshmallowPlugin):
    """The marshmallow plugin of /api/openapi.json."""

    Converter = DocumentConverter
