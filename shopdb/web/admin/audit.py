"""The audit log: who changed what and when, with the values before and
after, filtered by user, record (table and id), action and time, page by
page.

The filters are the audit log resource's own (`/api/auditlogs?userid=...&
createdatmin=...`): the page reads its query string with that resource's
list schema and runs its list query (`ResourcePages.list_arguments`,
`list_page`), so a filtered page and the REST list always agree.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AuditLog, User
from shopdb.web.admin.common import require_admin
from shopdb.web.dashboard import record_pages
from shopdb.web.forms import general_errors
from shopdb.web.pages import PAGE_SIZES
from shopdb.web.site import current_site

ADDRESS = "/admin/audit"


def address(url: str) -> str:
    """A generic list address (/auditlogs?...) as this page's."""
    _, _, query = url.partition("?")
    return f"{ADDRESS}?{query}" if query else ADDRESS


def audit() -> ResponseReturnValue:
    require_admin()
    site = current_site()
    pages = site.pages["auditlogs"]
    session = get_session()
    args, problems = pages.list_arguments()
    if not args.get("sort"):
        args["sort"] = "-auditlogid"
    page = pages.list_page(session, args)
    people = session.execute(select(User.userid, User.username).order_by(User.username)).all()
    actions = session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    tables = sorted({resource.entitytype for resource in site.resources.values()})
    links = record_pages(site)

    def link(entry: AuditLog) -> str:
        name = links.get(entry.entitytype)
        if not name or not entry.entityid or not entry.entityid.isdigit():
            return ""
        return f"/{name}/{entry.entityid}"

    def first(name: str) -> Any:
        values = args.get(name) or []
        return values[0] if values else ""

    return site.page(
        "web/admin/audit.html",
        pages=pages,
        args=args,
        page=page,
        problems=general_errors(problems, []),
        people=people,
        actions=actions,
        tables=tables,
        link=link,
        first=first,
        pagesizes=PAGE_SIZES,
        address=lambda **changes: address(pages.url(args, **changes)),
        since=_local(args.get("createdatmin")),
        until=_local(args.get("createdatmax")),
    )


def _local(moment: Any) -> str:
    """A time as a datetime-local control shows it."""
    return moment.isoformat(timespec="seconds")[:19] if moment is not None else ""


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule(ADDRESS, "adminaudit", audit)
