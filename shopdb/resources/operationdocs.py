"""What /api/openapi.json says about each generic operation, written from the
resource declaration, so the document tells a caller which filters, sort
keys, search fields and write rules a resource has without reading its code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopdb.http.requestline import MAXIMUM_QUERY_BYTES
from shopdb.services.access import Access

if TYPE_CHECKING:
    from marshmallow import Schema

    from shopdb.resources.definition import Resource

# Error replies every operation may give, by status: flask-smorest registers a
# response component per HTTP status under these names.
READ_ERRORS = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 503: "SERVICE_UNAVAILABLE"}
# A page past the last is a 404: it may exist once there are more rows.
LIST_ERRORS = {**READ_ERRORS, 404: "NOT_FOUND", 414: "REQUEST_URI_TOO_LONG"}
ITEM_ERRORS = {**READ_ERRORS, 404: "NOT_FOUND"}
WRITE_ERRORS = {
    **READ_ERRORS,
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}

WHO = {
    Access.ASSET_READ: "anyone the site lets read asset data (a setting may allow anonymous reads)",
    Access.VIEWER: "signed-in users",
    Access.EDITOR: "editors and admins",
    Access.ADMIN: "admins",
    Access.AUTHENTICATED: "any signed-in user",
    Access.PERSON: "users signed in with a password (not API tokens)",
}


def operation_id(resource: Resource, verb: str) -> str:
    """`vendors_create`: stable ids, which the links below and clients name."""
    return f"{resource.name}_{verb}"


def created_response(resource: Resource) -> dict:
    """What the document adds to a create's 201: the Location of the new
    record, and links that take its id to fetch, change and delete it (so
    clients, and stateful test tools, can chain the operations)."""
    key = {"itemid": f"$response.body#/data/{resource.primary_key}"}
    verbs = {"get": "Fetch", "update": "Change", "delete": "Delete"}
    allowed = {
        "get": True,
        "update": resource.allow_update,
        "delete": resource.allow_delete,
    }
    return {
        "headers": {
            "Location": {
                "description": "The address of the new record",
                "schema": {"type": "string"},
            }
        },
        "links": {
            f"{verb.capitalize()}Created": {
                "operationId": operation_id(resource, verb),
                "parameters": key,
                "description": f"{word} the record just created",
            }
            for verb, word in verbs.items()
            if allowed[verb]
        },
    }


def _names(names: object) -> str:
    listed = ", ".join(f"`{name}`" for name in names)  # type: ignore[attr-defined]
    return listed or "none"


def who(access: Access) -> str:
    return WHO.get(access, str(access.value))


def list_description(resource: Resource) -> str:
    ranged = [name for name, item in resource.list_filters.items() if item.ranged]
    lines = [
        f"Records of {resource.label}, a page at a time; readable by {who(resource.read)}.",
        f"Filters: {_names(resource.list_filters)}; each may repeat, for any of several values.",
        f"Sort: {_names(resource.sort)}; default `{resource.default_sort}`.",
    ]
    if ranged:
        lines.insert(2, f"Ranges: `<filter>min` and `<filter>max` for {_names(ranged)}.")
    if resource.search:
        lines.append(f"`q` searches {_names(name for name, _ in resource.search)}.")
    lines.append("A query parameter not listed here is refused (400), never ignored.")
    lines.append(
        f"The query string may be at most {MAXIMUM_QUERY_BYTES} bytes as sent (%-escapes "
        "included); a longer one is refused (414)."
    )
    return "\n\n".join(lines)


def create_description(resource: Resource, schema: type[Schema]) -> str:
    required = [name for name, field in schema().fields.items() if field.required]
    lines = [
        f"Creates one record of {resource.label}; allowed for {who(resource.write)}.",
        f"Required: {_names(required)}. A field the schema does not list is refused.",
    ]
    lines.extend(_write_rules(resource))
    return "\n\n".join(lines)


def update_description(resource: Resource) -> str:
    lines = [
        f"Changes the fields sent; the others keep their value. Allowed for "
        f"{who(resource.write)}. A change that writes nothing is not audited.",
        "Send the `ETag` of the record's GET as `If-Match` to have a change refused "
        "(412 `precondition_failed`) when someone changed the record after that GET.",
    ]
    if resource.create_only:
        lines.append(f"Fixed after creation: {_names(resource.create_only)}.")
    lines.extend(_write_rules(resource))
    return "\n\n".join(lines)


def delete_description(resource: Resource) -> str:
    if resource.asset_type or resource.entitytype == "assets":
        return (
            "Retires the asset (its status becomes retired, `isactive` false; the record "
            "and its history stay). With `permanent=true` an admin deletes it for good, "
            "which is refused (409) while other records reference it."
        )
    return (
        f"Deletes the record; allowed for {who(resource.write)}. Refused (409, naming "
        "what refers to it) while other records reference it."
    )


def _write_rules(resource: Resource) -> list[str]:
    rules = []
    if resource.by_name:
        pairs = ", ".join(
            f"`{name}` for `{lookup.idfield}`" for name, lookup in resource.lookups.items()
        )
        rules.append(f"Lookups may be given by name instead of id: {pairs}.")
    if resource.nesting:
        rules.append(
            f"Parts written with the record: {_names(resource.nesting)}; sending a part "
            "replaces it."
        )
    rules.append(
        "Each write is audited. A duplicate of a unique value is a 409 naming the field "
        "and the record that holds it."
    )
    return rules
