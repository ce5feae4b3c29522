"""The browsable API docs page: Swagger UI served from files installed with
the flask-swagger-ui package, never from a CDN (shop-floor networks are often
offline)."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, abort, render_template, send_from_directory
from flask.typing import ResponseReturnValue

SWAGGER_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
SWAGGER_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "index.css"})

blueprint = Blueprint(
    "apidocs", __name__, url_prefix="/api/docs", template_folder="templates", static_folder="static"
)


@blueprint.get("")
def page() -> ResponseReturnValue:
    return render_template("apidocs.html")


@blueprint.get("/vendor/<name>")
def vendor_file(name: str) -> ResponseReturnValue:
    if name not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(SWAGGER_DIST, name, max_age=3600)
