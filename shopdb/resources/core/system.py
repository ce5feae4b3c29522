"""Site settings and the audit log (admin only)."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from shopdb.models import AuditLog, Setting
from shopdb.resources.definition import Resource
from shopdb.services.access import Access
from shopdb.services.settings import coerce


class SettingResource(Resource):
    """`value` travels as JSON of the setting's declared type."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        if "value" in values:
            values = {**values, "value": json.dumps(coerce(instance.setting, values["value"]))}
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
        extra_input={"value": fields.Raw(allow_none=True, required=True)},
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
