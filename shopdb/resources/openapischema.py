"""JSON Schema (draft 2020-12, what collectors are validated with) as an
OpenAPI 3.0 schema object, for /api/openapi.json.

OpenAPI 3.0 takes a subset of JSON Schema: one `type` per schema, `nullable`
for null, no `const`, `example` instead of `examples`. Plugins write ordinary
JSON Schema; this turns the parts 3.0 lacks into what it has, so code
generators can read the document.
"""

from __future__ import annotations

import re
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_cls

from shopdb.resources.fieldtypes import SPACE

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


# A query string holds no control characters (shopdb.http.requestline refuses
# them): what any text parameter may hold, and the spaces a field type's
# pattern may trim there. (No surrogate range in the class: schemathesis
# drops a pattern that names one, and a URL cannot carry them anyway.)
QUERY_TEXT = "^[^\\u0000-\\u001f\\u007f]*$"
QUERY_SPACE = "[ \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"


def query_schema(schema: dict) -> dict:
    """A text parameter's schema as the query string takes it: its pattern's
    spaces are never control characters, and text without a pattern says it
    holds none."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return {**schema, "items": query_schema(schema["items"])}
    if schema.get("type") != "string" or "enum" in schema or "format" in schema:
        return schema
    pattern = schema.get("pattern")
    if pattern is None:
        return {**schema, "pattern": QUERY_TEXT}
    pattern = pattern.replace(SPACE, QUERY_SPACE)
    return {**schema, "pattern": re.sub(r"(?<!\\)\\s", lambda _: QUERY_SPACE, pattern)}


class DocumentConverter(OpenAPIConverter):
    """apispec's converter, adding what an input schema says of itself beyond
    its fields (`InputSchema.document_keywords`), and what the query string
    refuses to every text parameter in it."""

    def schema2jsonschema(self, schema: Any) -> dict:
        result: dict = super().schema2jsonschema(schema)  # type: ignore[no-untyped-call]
        keywords = getattr(resolve_schema_cls(schema), "document_keywords", None)
        return {**result, **keywords()} if keywords else result

    def _field2parameter(self, field: Any, *, name: str, location: str) -> dict:
        parameter: dict = super()._field2parameter(field, name=name, location=location)
        if location == "query" and isinstance(parameter.get("schema"), dict):
            parameter["schema"] = query_schema(parameter["schema"])
        return parameter


class DocumentPlugin(MarshmallowPlugin):
    """The marshmallow plugin of /api/openapi.json."""

    Converter = DocumentConverter
