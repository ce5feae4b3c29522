"""The admin pages: users, API tokens, settings, plugins and the audit log.

Every page and action needs the admin role, checked on the server before
anything is read (viewers and editors get 403). Every form carries the CSRF
value (checked by the identity hook before a view runs). Every write goes
through the resource's `save`/`delete` inside one unit of work as the
request's actor, so it is validated and audited exactly as the REST API's
writes are: a user's password rules, the last-admin rule, a token's fields
and a setting's declared type are the resources' own checks.

These pages stand in for the generic pages of users, tokens, settings and
the audit log in the navigation; the generic pages stay (a user's detail
page with its history, an audit entry's page) and are linked from here.
"""

from __future__ import annotations

from flask import Blueprint, redirect
from flask.typing import ResponseReturnValue

from shopdb.web.admin import audit, plugins, settings, tokens, users
from shopdb.web.admin.common import require_admin


def start() -> ResponseReturnValue:
    require_admin()
    return redirect("/admin/users", 302)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin", "admin", start)
    for module in (users, tokens, settings, plugins, audit):
        module.register(blueprint)
