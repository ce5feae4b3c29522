"""Plugins: each one found or installed, its state, status and last error,
and the `shopdb plugin ...` command that changes it. The page changes
nothing itself: installing runs migrations, which belong on the command
line, and a change takes effect at the next start of the server.

The reports (`PluginReport`: the same lines `shopdb plugin list` prints and
GET /api/plugins returns) come from the app factory as `Site.plugin_reports`;
the web layer does not import the plugin framework.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from shopdb.web.admin.common import require_admin
from shopdb.web.site import current_site

# What to run, by status, and why.
COMMANDS = {
    "available": ("shopdb plugin install {name}", "install it (migrations, seed data) and enable"),
    "disabled": ("shopdb plugin enable {name}", "enable it again; its data is kept"),
    "error": (
        "shopdb plugin disable {name}",
        "fix the error shown and restart the server, or disable it",
    ),
    "missing": (
        "shopdb plugin uninstall {name}",
        "put its files back (the plugin folder or package), or uninstall it",
    ),
    "broken": (
        "shopdb plugin install {name}",
        "fix its files (the error names the problem), then install it",
    ),
    "loaded": ("shopdb plugin disable {name}", "running; to switch it off"),
}
BADGES = {
    "loaded": "success",
    "error": "danger",
    "broken": "danger",
    "missing": "warning",
    "disabled": "secondary",
    "available": "info",
}


def command(report: Any) -> tuple[str, str]:
    text, why = COMMANDS.get(report.status, ("shopdb plugin list", "see its state"))
    return text.format(name=report.name), why


def plugins() -> ResponseReturnValue:
    require_admin()
    reports = list(current_site().plugin_reports())
    return current_site().page(
        "web/admin/plugins.html",
        reports=reports,
        command=command,
        badges=BADGES,
    )


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/plugins", "adminplugins", plugins)
