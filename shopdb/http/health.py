"""Liveness and readiness checks for load balancers and container health checks."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from shopdb.database import get_database
from shopdb.errors import ShopDBError
from shopdb.services.migrations import SchemaState, schema_status

blueprint = Blueprint("health", __name__, url_prefix="/api/health")


@blueprint.get("")
def live() -> ResponseReturnValue:
    """The process is up; says nothing about the database."""
    return jsonify({"data": {"status": "ok"}})


@blueprint.get("/ready")
def ready() -> ResponseReturnValue:
    """The database answers and its schema is the one this code expects."""
    engine = get_database().engine
    try:
        status = schema_status(engine)
    except ShopDBError as error:
        current_app.logger.warning("readiness check failed: %s", error)
        return _not_ready(str(error))
    if status.state is not SchemaState.CURRENT:
        return _not_ready(status.describe(engine.url))
    return jsonify({"data": {"status": "ready", "database": engine.dialect.name}})


def _not_ready(message: str) -> ResponseReturnValue:
    body = {"data": {"error": {"code": "not_ready", "message": message, "details": {}}}}
    return jsonify(body), 503
