"""The landing page: what this instance holds, until the full UI arrives."""

from __future__ import annotations

from flask import Blueprint, render_template_string
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import Asset, Location, User

blueprint = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ShopDB</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#1d2125;color:#dee2e6;margin:2rem}
table{border-collapse:collapse}td{padding:.2rem 1rem .2rem 0}</style></head>
<body><h1>ShopDB</h1><p>This instance is running.</p>
<table>{% for label, count in counts %}<tr><td>{{ label }}</td><td>{{ count }}</td></tr>
{% endfor %}</table>
<p>Health: <a href="/api/health">/api/health</a>,
readiness: <a href="/api/health/ready">/api/health/ready</a></p></body></html>"""


@blueprint.get("/")
def index() -> ResponseReturnValue:
    session = get_session()
    counts = [
        ("Assets", session.scalar(select(func.count()).select_from(Asset))),
        ("Locations", session.scalar(select(func.count()).select_from(Location))),
        ("Users", session.scalar(select(func.count()).select_from(User))),
    ]
    return render_template_string(PAGE, counts=counts)
