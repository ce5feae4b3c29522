"""Site settings and the audit log (admin only)."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cached_property
from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from shopdb.errors import ConflictError
from shopdb.models import AuditLog, Setting
from shopdb.resources.definition import Resource
from shopdb.resources.schemas import InputSchema, ResourceSchemas, build_schemas
from shopdb.services.access import Access
from shopdb.services.settings import coerce, document_bodies


class SettingUpdateSchema(InputSchema):
    """The body of PATCH /api/settings/{id}. The document types `value` per
    setting: a `oneOf` of one body per declared setting, each naming its
    setting in `setting` (checked against the row: another name is a 409).
    Sending `setting` is what lets a client built from the document send a
    value of the right type; the server still takes a body without it."""

    @classmethod
    def document_keywords(cls) -> dict[str, Any]:
        return {"oneOf": document_bodies()}


class SettingResource(Resource):
    """`value` travels as JSON of the setting's declared type."""

    @cached_property
    def schemas(self) -> ResourceSchemas:
        built = build_schemas(self)
        update = type(built.update.__name__, (SettingUpdateSchema, built.update), {})
        return replace(built, update=update)

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        values = dict(values)
        named = values.pop("setting", instance.setting)
        if named != instance.setting:
            raise ConflictError(
                f"Setting {instance.settingid} is {instance.setting!r}, not {named!r}; "
                f"find the id of {named!r} with GET /api/settings?setting={named}.",
                {"setting": [f"This row holds {instance.setting!r}."]},
            )
        if "value" in values:
            values["value"] = json.dumps(coerce(instance.setting, values["value"]))
        return values


def _stored_value(row: Setting) -> Any:
    return None if row.value is None else json.loads(row.value)


SYSTEM_RESOURCES = (
    SettingResource(
        Setting,
        filters=("setting", "valuetype"),
        sort=("setting", "modifiedat"),
        default_sort="setting",
        search=(("setting", 10), ("description", 3)),
        read=Access.ADMIN,
        write=Access.ADMIN,
        read_only=("setting", "valuetype", "description"),
        output_fields={"value": fields.Function(_stored_value, allow_none=True)},
        extra_input={
            "value": fields.Raw(allow_none=True, required=True),
            "setting": fields.String(
                metadata={"description": "The setting's name, checked against the row"}
            ),
        },
        allow_create=False,
        allow_delete=False,
        list_columns=("setting", "value", "description"),
        form_fields=("value",),
    ),
    Resource(
        AuditLog,
        filters=(
            "userid",
            "username",
            "action",
            "entitytype",
            "entityid",
            "requestid",
            "createdat",
        ),
        sort=("auditlogid", "createdat"),
        default_sort="-auditlogid",
        search=(("username", 5), ("entitytype", 5), ("message", 2)),
        read=Access.ADMIN,
        write=Access.ADMIN,
        allow_create=False,
        allow_update=False,
        allow_delete=False,
        list_columns=("createdat", "username", "action", "entitytype", "entityid"),
    ),
)
