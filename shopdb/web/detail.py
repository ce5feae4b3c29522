"""What a record's detail page shows beyond its fields: the relationship
editor of an asset record (add an edge, remove one), and the plugins' detail
panels; and the plugins' extra list columns.

Edges are written through the `assetrelationships` resource's `save` and
`delete` in one unit of work as the request's actor, with that resource's
write permission checked, as its own pages and the REST API do; the forms
carry the CSRF value the identity hook checks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy.orm import Session

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError, NotFoundError
from shopdb.http.identity import authorize, request_actor
from shopdb.models import Asset, Location
from shopdb.resources.naming import name_lookups
from shopdb.services.unitofwork import unit_of_work

if TYPE_CHECKING:
    from shopdb.web.pages import ResourcePages
    from shopdb.web.site import Site

logger = logging.getLogger("shopdb.web")
EDGES = "assetrelationships"
TYPES = "relationshiptypes"
ASSETS = "assets"
SITE_KEY = "shopdb.web"  # as shopdb.web.site keeps the Site


# Plugin contributions ----------------------------------------------------------


def wire_contributions(site: Site) -> None:
    """The plugins' list columns and detail panels by resource, on `site`;
    one of a resource this app does not serve, or a column named like a
    field of its resource, is left out with a warning."""
    columns: dict[str, list[Any]] = {}
    shown: dict[str, list[tuple[str, Any]]] = {}
    for plugin in site.plugins:
        for column in plugin.listcolumns:
            resource = site.resources.get(column.resource)
            if resource is None or column.name in resource.schemas.output().fields:
                logger.warning(
                    "The plugin %r has the list column %r for %r, which %s; it is left out.",
                    plugin.name,
                    column.name,
                    column.resource,
                    "is no resource of this app" if resource is None else "has a field so named",
                )
                continue
            columns.setdefault(column.resource, []).append(column)
        for panel in plugin.panels:
            if panel.resource not in site.resources:
                logger.warning(
                    "The plugin %r has the detail panel %r for %r, which is no resource of "
                    "this app; it is left out.",
                    plugin.name,
                    panel.name,
                    panel.resource,
                )
                continue
            shown.setdefault(panel.resource, []).append((plugin.name, panel))
    site.listcolumns = {
        name: sorted(found, key=lambda column: (column.order, column.label))
        for name, found in columns.items()
    }
    site.detailpanels = {
        name: sorted(found, key=lambda each: (each[1].order, each[1].title))
        for name, found in shown.items()
    }


def add_plugin_columns(
    site: Site, pages: ResourcePages, session: Session, rows: Sequence[dict[str, Any]]
) -> list[tuple[str, str]]:
    """The plugins' columns of the list as (name, label), their values filled
    into `rows`: one call of each column's `values` per page."""
    extra = site.listcolumns.get(pages.resource.name, [])
    if not extra:
        return []
    key = pages.resource.primary_key
    ids = [row[key] for row in rows if row.get(key) is not None]
    for column in extra:
        values: Any = {}
        if ids:
            try:
                values = column.values(session, ids) or {}
            except Exception:  # a failing plugin must not take the list down
                logger.exception("The list column %r failed; shown empty.", column.name)
        for row in rows:
            row[column.name] = values.get(row.get(key))
    return [(column.name, column.label) for column in extra]


def panels(site: Site, pages: ResourcePages, session: Session, instance: Any) -> list[Any]:
    """The plugin panels of this record as (panel, html), by order; a panel
    whose context says None is left out, one that fails is logged and left
    out (the page still shows)."""
    shown = []
    for plugin, panel in site.detailpanels.get(pages.resource.name, []):
        try:
            context = panel.context(session, instance)
            if context is None:
                continue
            html = render_template(panel.template, **dict(context), record=instance)
        except Exception:
            logger.exception("The plugin %r failed to show its panel %r.", plugin, panel.name)
            continue
        shown.append((panel, Markup(html)))  # rendered by Jinja, autoescaped
    return shown


def named_labels(resource: Any, rows: Sequence[dict[str, Any]]) -> dict[str, dict[Any, str]]:
    """{field: {id: name}} from the name objects the API puts in rows
    (`shopdb.resources.naming`), as the list templates read labels."""
    labels: dict[str, dict[Any, str]] = {}
    for field, named in resource.named_lookups.items():
        found = labels.setdefault(field, {})
        for row in rows:
            value = row.get(named.key)
            if isinstance(value, dict) and value.get("name") is not None:
                found[value["id"]] = value["name"]
    return labels


def history_names(
    session: Session, resource: Any, history: Sequence[Any] | None
) -> dict[str, dict[Any, str]]:
    """{field: {id: name}} for the lookup ids the history's before and after
    values hold, so a change reads "active -> retired", not "1 -> 4": one
    query per referenced table for the whole history."""
    rows = [
        {field: change.get(side)}
        for entry in history or ()
        for field, change in (entry.changes or {}).items()
        if field in resource.named_lookups and isinstance(change, dict)
        for side in ("before", "after")
        if isinstance(change.get(side), int)
    ]
    name_lookups(session, resource.named_lookups, rows)
    return named_labels(resource, rows)


def position_name(session: Session, data: dict[str, Any]) -> str | None:
    """The name of the asset or location a resolved position comes from."""
    position = data.get("position") or {}
    if position.get("rule") == "related" and position.get("assetid"):
        found = session.get(Asset, position["assetid"])
        return found.assetnumber if found is not None else None
    if position.get("rule") == "location" and position.get("locationid"):
        place = session.get(Location, position["locationid"])
        return place.name if place is not None else None
    return None


# The relationship editor ------------------------------------------------------------


def edge_editor(site: Site, session: Session, data: dict[str, Any]) -> dict[str, Any] | None:
    """What the add-an-edge form needs, for who may write edges on a page
    that shows relationships; None otherwise."""
    edges = site.resources.get(EDGES)
    if edges is None or "relationships" not in data or not site.allows(edges.write, write=True):
        return None
    reference = site.lookups.of(edges).get("relationshiptypeid")
    types = site.lookups.options(session, reference) if reference is not None else None
    return {"types": types or [], "assets": f"/api/{ASSETS}"}


def _edge_resource(site: Site) -> Any:
    edges = site.resources.get(EDGES)
    if edges is None:
        raise NotFoundError("Relationships are not served by this site.")
    authorize(edges.write, write=True)
    return edges


def _number(name: str) -> Any:
    text = request.form.get(name, "").strip()
    try:
        return int(text)
    except ValueError:
        return text or None


def add_edge(name: str, itemid: int) -> ResponseReturnValue:
    """POST /<resource>/<id>/relationships: one edge from or to this asset."""
    site: Site = current_app.extensions[SITE_KEY]
    pages = site.pages[name]
    pages.check_read()
    edges = _edge_resource(site)
    session = get_session()
    pages.get_object(session, itemid)  # 404 for a record that is not there
    other = _number("otherassetid")
    outgoing = request.form.get("direction", "outgoing") != "incoming"
    raw: dict[str, Any] = {
        "sourceassetid": itemid if outgoing else other,
        "targetassetid": other if outgoing else itemid,
        "relationshiptypeid": _number("relationshiptypeid"),
    }
    label = request.form.get("label", "").strip()
    if label:
        raw["label"] = label
    try:
        with unit_of_work(session, request_actor()):
            saved = edges.save(session, raw, actor=request_actor())
    except (InvalidInputError, ConflictError) as error:
        flash(_problem(error, "added"), "danger")
    else:
        flash(f"Added relationship {saved.record.assetrelationshipid}.", "success")
    return redirect(url_for("web.detail", name=name, itemid=itemid) + "#relationships", 303)


def remove_edge(name: str, itemid: int, edgeid: int) -> ResponseReturnValue:
    """POST /<resource>/<id>/relationships/<edge>/delete: remove one edge of
    this asset (an edge of other assets is a 404 here)."""
    site: Site = current_app.extensions[SITE_KEY]
    pages = site.pages[name]
    pages.check_read()
    edges = _edge_resource(site)
    session = get_session()
    pages.get_object(session, itemid)
    try:
        with unit_of_work(session, request_actor()):
            edge = edges.get_row(session, edgeid, lock=True)
            if itemid not in (edge.sourceassetid, edge.targetassetid):
                raise NotFoundError(f"Relationship {edgeid} is not one of this record's.")
            edges.delete(session, edge, actor=request_actor())
    except ConflictError as error:
        flash(_problem(error, "removed"), "danger")
    else:
        flash(f"Removed relationship {edgeid}.", "success")
    return redirect(url_for("web.detail", name=name, itemid=itemid) + "#relationships", 303)


def _problem(error: InvalidInputError | ConflictError, done: str) -> str:
    details = getattr(error, "details", None) or {}
    words = {
        "sourceassetid": "Asset",
        "targetassetid": "Asset",
        "otherassetid": "Asset",
        "relationshiptypeid": "Type",
        "label": "Label",
    }
    parts = [
        f"{words.get(field, field)}: {' '.join(str(each) for each in messages)}"
        if not field.startswith("_")
        else " ".join(str(each) for each in messages)
        for field, messages in details.items()
        if isinstance(messages, list)
    ]
    return f"The relationship was not {done}: {'; '.join(parts) or error}"


def register(blueprint: Blueprint, resource_rule: str) -> None:
    blueprint.add_url_rule(
        f"/<{resource_rule}>/<int:itemid>/relationships",
        "addedge",
        add_edge,
        methods=["POST"],
    )
    blueprint.add_url_rule(
        f"/<{resource_rule}>/<int:itemid>/relationships/<int:edgeid>/delete",
        "removeedge",
        remove_edge,
        methods=["POST"],
    )
