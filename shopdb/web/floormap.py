"""The floor map page of a location, `/locations/<id>/map` (docs/UI.md).

The page is a frame: its script (static/map.js, Leaflet) reads everything
from `GET /api/locations/<id>/map` and writes positions through
`PATCH /api/assets/<id>`, the one write path, so what the map shows and
stores is what the API shows and stores. `/map` opens the map of the first
top location that has a plan, for the navigation.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.errors import NotFoundError
from shopdb.http.identity import authorize
from shopdb.models import Location
from shopdb.resources.queries import MAXIMUM_TEXT
from shopdb.services.locations import locations_above
from shopdb.web.site import current_site


def _ancestors(locationid: int) -> list[tuple[int, str]]:
    """The location's path from the top, itself last (one query, reading
    only the location and those above it)."""
    rows = get_session().execute(
        select(Location.locationid, Location.name, Location.parentlocationid).where(
            Location.locationid.in_(locations_above([locationid]))
        )
    )
    found = {row.locationid: row for row in rows}
    path: list[tuple[int, str]] = []
    current: int | None = locationid
    while current in found and all(current != seen for seen, _ in path):
        path.append((found[current].locationid, found[current].name))
        current = found[current].parentlocationid
    return list(reversed(path))


def floor_map(itemid: int) -> ResponseReturnValue:
    site = current_site()
    authorize(site.resources["locations"].read, write=False)
    path = _ancestors(itemid)
    if not path:
        raise NotFoundError(f"There is no location with id {itemid}.")
    query = request.args.get("q", "").strip()[:MAXIMUM_TEXT]
    return site.page(
        "web/map.html",
        locationid=itemid,
        name=path[-1][1],
        path=path,
        query=query,
        maydrag=site.allows(site.resources["assets"].write, write=True),
    )


def first_map() -> ResponseReturnValue:
    """The map of the first top location with a plan (else the first top location)."""
    site = current_site()
    authorize(site.resources["locations"].read, write=False)
    top = select(Location.locationid).where(Location.parentlocationid.is_(None))
    session = get_session()
    found = session.scalar(
        top.where(Location.floorplanimage.is_not(None)).order_by(Location.name)
    ) or session.scalar(top.order_by(Location.name))
    if found is None:
        return site.error(404, "There are no locations yet: add one, then open its floor map.")
    return redirect(url_for("web.floormap", itemid=found), 302)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/locations/<int:itemid>/map", "floormap", floor_map)
    blueprint.add_url_rule("/map", "firstmap", first_map)
