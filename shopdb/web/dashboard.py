"""The dashboard, the start page: what the site holds, what changed, what has
gone quiet, and the plugins' cards.

- Counts per asset type and status come from one grouped query; each number
  links to the list it counts (the type's own list when a plugin serves it).
- Recent changes are the newest audit entries, each linking to its record;
  shown to who may read the audit log, as a detail page's history is.
- Records a collector has not reported for `dashboard.staledays` days (a
  setting) are found, for every resource that declares `last_seen`, with
  that resource's own list query, so the count is what its linked list shows.
- Plugin cards are the `DashboardWidget`s the app factory hands over on
  `PluginPages.widgets`; each renders its own template and a failing one
  shows as a short note, never as a broken page.

The page costs a fixed number of statements whatever the data: one per
section, two per resource with `last_seen`, and what each widget's context
asks (the bundled ones ask a fixed number).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from shopdb.database import get_session
from shopdb.models import Asset, AssetStatus, AssetType, AuditLog, utcnow
from shopdb.resources.queries import paginate
from shopdb.services.access import Access
from shopdb.services.settings import STALE_DAYS_SETTING, get_setting
from shopdb.web.site import current_site

if TYPE_CHECKING:
    from shopdb.web.pages import ResourcePages
    from shopdb.web.site import Site

RECENT_SHOWN = 15
STALE_SHOWN = 10
logger = logging.getLogger("shopdb.web")


# Counts ---------------------------------------------------------------------------


@dataclass
class TypeCounts:
    """One asset type's row of the counts table."""

    label: str
    url: str
    total: int = 0
    cells: dict[int | None, tuple[int, str]] = field(default_factory=dict)


def type_lists(site: Site) -> dict[str, ResourcePages]:
    """The pages of the resource that serves each asset type (by its name)."""
    return {
        resource.asset_type: site.pages[name]
        for name, resource in site.resources.items()
        if resource.asset_type
    }


def list_url(pages: ResourcePages | None, typeid: Any, statusid: Any) -> str:
    """The list of the assets of a type (and status): the type's own list
    when it has a status filter, else the core asset list filtered."""
    if pages is not None and (statusid is None or "assetstatusid" in pages.resource.list_filters):
        query = {} if statusid is None else {"assetstatusid": statusid}
        base = f"/{pages.resource.name}"
    else:
        query = {"assettypeid": typeid}
        if statusid is not None:
            query["assetstatusid"] = statusid
        base = "/assets"
    return f"{base}?{urlencode(query)}" if query else base


def asset_counts(
    session: Session, site: Site
) -> tuple[list[TypeCounts], list[tuple[int | None, str]]]:
    """The rows (one per type) and the status columns, from one query."""
    query = (
        select(
            Asset.assettypeid,
            AssetType.assettype,
            AssetType.label,
            Asset.assetstatusid,
            AssetStatus.assetstatus,
            func.count(),
        )
        .select_from(Asset)
        .outerjoin(AssetType, AssetType.assettypeid == Asset.assettypeid)
        .outerjoin(AssetStatus, AssetStatus.assetstatusid == Asset.assetstatusid)
        .group_by(
            Asset.assettypeid,
            AssetType.assettype,
            AssetType.label,
            Asset.assetstatusid,
            AssetStatus.assetstatus,
        )
    )
    lists = type_lists(site)
    rows: dict[Any, TypeCounts] = {}
    statuses: dict[int | None, str] = {}
    for typeid, typename, label, statusid, status, count in session.execute(query):
        pages = lists.get(typename)
        row = rows.get(typeid)
        if row is None:
            row = rows[typeid] = TypeCounts(
                label or typename or "(no type)", list_url(pages, typeid, None)
            )
        row.total += count
        row.cells[statusid] = (count, list_url(pages, typeid, statusid))
        statuses[statusid] = status or "(no status)"
    columns = sorted(statuses.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return sorted(rows.values(), key=lambda row: row.label.lower()), columns


# Recent changes --------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    entry: AuditLog
    url: str  # the record's page, "" when there is none (deleted, not a resource)
    fields: list[str]


def record_pages(site: Site) -> dict[str, str]:
    """The resource whose pages show records of each audit entity type: the
    first that owns the table (core resources come first)."""
    found: dict[str, str] = {}
    for name, resource in site.resources.items():
        found.setdefault(resource.entitytype, name)
    return found


def recent_changes(session: Session, site: Site) -> list[Change]:
    pages = record_pages(site)
    query = select(AuditLog).order_by(AuditLog.auditlogid.desc()).limit(RECENT_SHOWN)
    changes = []
    for entry in session.scalars(query):
        name = pages.get(entry.entitytype)
        url = ""
        if name and entry.entityid and entry.entityid.isdigit() and entry.action != "delete":
            url = f"/{name}/{entry.entityid}"
        fields = sorted(entry.changes) if isinstance(entry.changes, dict) else []
        changes.append(Change(entry, url, fields))
    return changes


# Not seen by a collector -------------------------------------------------------------


@dataclass
class Stale:
    """The records of one resource a collector has not reported for a while."""

    pages: ResourcePages
    url: str
    total: int
    isexact: bool
    never: int
    rows: list[tuple[str, str, Any]]  # (title, url, last seen)


def stale_arguments(pages: ResourcePages, cutoff: datetime) -> dict[str, Any]:
    """The list arguments of "active, last seen before `cutoff`, oldest
    first", read by the resource's own query-string schema."""
    resource = pages.resource
    given = MultiDict({f"{resource.last_seen}max": cutoff.isoformat(timespec="seconds")})
    given["sort"] = resource.last_seen
    if "isactive" in resource.list_filters:
        given["isactive"] = "true"
    given["perpage"] = str(STALE_SHOWN)
    schema = pages.arguments()
    return dict(schema.load(MultiDictProxy(given, schema)))


def stale_records(session: Session, site: Site, days: int) -> list[Stale]:
    cutoff = utcnow().replace(microsecond=0) - timedelta(days=days)
    found = []
    for name, resource in site.resources.items():
        if not resource.last_seen or not site.allows(resource.read, write=False):
            continue
        pages = site.pages[name]
        args = stale_arguments(pages, cutoff)
        page = paginate(session, pages.views.list_query(args), 1, STALE_SHOWN)
        never = never_seen(session, pages, args)
        dumped = pages.output.dump(page.rows, many=True)
        rows = [
            (
                pages.record_title(row),
                pages.item_url(row[resource.primary_key]),
                row.get(resource.last_seen),
            )
            for row in dumped
        ]
        url = pages.url(args, perpage=None)
        found.append(Stale(pages, url, page.total, page.isexact, never, rows))
    return found


def never_seen(session: Session, pages: ResourcePages, args: dict[str, Any]) -> int:
    """Active records a collector never reported (no last seen at all)."""
    rest = {key: value for key, value in args.items() if key != f"{pages.resource.last_seen}max"}
    column = pages.resource.column(pages.resource.last_seen)
    query = pages.views.list_query(rest).where(column.is_(None)).order_by(None)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


# Plugin widgets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    plugin: str
    name: str
    title: str
    html: Markup
    failed: bool = False

    @property
    def framed(self) -> bool:
        """Whether the widget draws its own card; any other gets one with its title."""
        return 'class="card' in self.html


def widget_cards(session: Session, site: Site) -> list[Card]:
    widgets = sorted(
        ((widget.order, plugin.name, widget.name, plugin.name, widget))
        for plugin in site.plugins
        for widget in plugin.widgets
    )
    cards = []
    for *_, plugin, widget in widgets:
        try:
            context = dict(widget.context(session)) if widget.context else {}
            html = Markup(render_template(widget.template, **context))
        except Exception:  # one failing card must not take the dashboard down
            logger.exception("The dashboard widget %s/%s failed.", plugin, widget.name)
            message = "This card failed to load; the server log has the details."
            cards.append(Card(plugin, widget.name, widget.title, Markup.escape(message), True))
            continue
        cards.append(Card(plugin, widget.name, widget.title, html))
    return cards


# The page ---------------------------------------------------------------------------------


def dashboard() -> ResponseReturnValue:
    """The start page; what it shows depends on what the caller may read."""
    site = current_site()
    session = get_session()
    context: dict[str, Any] = {"mayread": site.allows(Access.ASSET_READ, write=False)}
    if context["mayread"]:
        context["counts"], context["statuses"] = asset_counts(session, site)
        days = int(get_setting(session, STALE_DAYS_SETTING))
        context["staledays"] = days
        context["stale"] = stale_records(session, site, days)
        context["cards"] = widget_cards(session, site)
    auditlogs = site.resources.get("auditlogs")
    if auditlogs is not None and site.allows(auditlogs.read, write=False):
        context["changes"] = recent_changes(session, site)
    context["isadmin"] = site.allows(Access.ADMIN, write=False)
    return site.page("web/index.html", **context)
