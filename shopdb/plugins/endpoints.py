"""GET /api/plugins: each plugin's state and last error, for admins."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from shopdb.http.envelope import data_response
from shopdb.http.identity import guarded
from shopdb.plugins.reports import STATUSES, plugin_reports
from shopdb.plugins.runtime import current_runtime
from shopdb.resources.schemas import UtcDateTime
from shopdb.services.access import Access

blueprint = Blueprint(
    "plugins", __name__, url_prefix="/api/plugins", description="Plugins and their state"
)


class PluginReportSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(allow_none=True, required=True)
    description = fields.String(required=True)
    origin = fields.String(
        allow_none=True, required=True, metadata={"description": "bundled, directory, entrypoint"}
    )
    folder = fields.String(allow_none=True, required=True)
    isinstalled = fields.Boolean(required=True)
    isenabled = fields.Boolean(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "; ".join(f"{key}: {text}" for key, text in STATUSES.items())},
    )
    error = fields.String(allow_none=True, required=True)
    errorat = UtcDateTime(allow_none=True, required=True)


class PluginListEnvelope(Schema):
    data = fields.List(fields.Nested(PluginReportSchema), required=True)


@blueprint.route("")
@guarded(Access.ADMIN, write=False)
@blueprint.response(200, PluginListEnvelope)
def list_plugins() -> ResponseReturnValue:
    """Every plugin found or installed, with its state and last error.

    The state is the one this server process started with; changes made with
    `shopdb plugin ...` show after the next start.
    """
    reports = plugin_reports(current_runtime())
    return data_response(PluginReportSchema().dump(reports, many=True))
