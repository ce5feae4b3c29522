"""Liveness and readiness checks for load balancers and container health checks."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue

from shopdb.database import get_database
from shopdb.errors import DatabaseUnavailableError, ShopDBError
from shopdb.http.envelope import ApiError, data_response
from shopdb.services.migrations import SchemaState, schema_status

READINESS_MESSAGES = {
    SchemaState.EMPTY: "The database has no ShopDB schema yet; run 'shopdb db upgrade'.",
    SchemaState.OLDER: "The database schema is older than the code; run 'shopdb db upgrade'.",
    SchemaState.NEWER: "The database schema is newer than the code; deploy the matching version.",
    SchemaState.PLUGIN_MISSING: (
        "A plugin recorded on this database is not found; the server log names it."
    ),
}

blueprint = Blueprint("health", __name__, url_prefix="/api/health")


@blueprint.get("")
def live() -> ResponseReturnValue:
    """The process is up; says nothing about the database."""
    return data_response({"status": "ok"})


@blueprint.get("/ready")
def ready() -> ResponseReturnValue:
    """The database answers and its schema is the one this code expects."""
    engine = get_database().engine
    try:
        status = schema_status(engine)
    except DatabaseUnavailableError as error:
        # The detail names hosts and paths: it goes to the log (once per outage).
        get_database().outage.report(error)
        return _not_ready("The database cannot be used; the server log says why.")
    except ShopDBError as error:
        current_app.logger.warning("readiness check failed: %s", error)
        return _not_ready("The database cannot be used; the server log says why.")
    if status.state is not SchemaState.CURRENT:
        current_app.logger.warning("readiness check: %s", status.describe(engine.url))
        return _not_ready(READINESS_MESSAGES[status.state])
    return data_response({"status": "ready", "database": engine.dialect.name})


def _not_ready(message: str) -> ResponseReturnValue:
    raise ApiError(503, "not_ready", message)
