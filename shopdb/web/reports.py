"""Reports: pages over many records at once, each also a CSV or XLSX file.

The PC relationships report lists every asset that controls others (in
practice the shop-floor PCs), the machines it controls and where each
stands. A `controls` edge to a cell also controls what is `partof` the cell
(the type's `propagatesthroughid`, DESIGN.md section 4): those rows are
derived and name the edge they come through. Where a machine stands is its
location as a path from the top of the tree; a machine without one stands
where the asset it is part of stands.

The page reads a fixed number of statements whatever its size (the types,
the page of controllers and its count, their edges, the derived parts, the
locations); the export reads the same without paging and is written by the
transfer code's writers (`shopdb.resources.transfer.exporting.chunks`), so
its cells are neutralised against formulas as every export is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from shopdb.database import get_session
from shopdb.http.identity import authorize
from shopdb.models import (
    CONTROLS,
    Asset,
    AssetRelationship,
    AssetType,
    Location,
    RelationshipType,
)
from shopdb.resources.queries import MAXIMUM_TEXT, paginate
from shopdb.resources.schemas import MAXIMUM_ID
from shopdb.resources.transfer.endpoints import file_response
from shopdb.resources.transfer.exporting import FORMATS, chunks
from shopdb.services.access import Access
from shopdb.web.site import current_site

REPORT = "pcrelationships"
PERPAGE = 50
HEADERS = [
    "controller",
    "controllername",
    "controllertype",
    "machine",
    "machinename",
    "machinetype",
    "via",
    "label",
    "location",
]


@dataclass
class Machine:
    assetid: int
    assetnumber: str
    name: str | None
    assettype: str
    location: str
    via: str = ""  # the asset a derived row comes through ("" for a direct edge)
    viaid: int | None = None
    label: str | None = None


@dataclass
class Controller:
    assetid: int
    assetnumber: str
    name: str | None
    assettype: str
    machines: list[Machine]


def edge_types(session: Session) -> tuple[int | None, int | None]:
    """The ids of `controls` and of the type it propagates through.
    Compared in Python: a legacy `Controls` type on a case-blind collation
    is not `controls`."""
    for typeid, name, through in session.execute(
        select(
            RelationshipType.relationshiptypeid,
            RelationshipType.relationshiptype,
            RelationshipType.propagatesthroughid,
        )
    ):
        if name == CONTROLS:
            return typeid, through
    return None, None


def controllers_query(
    controls: int, assettypeid: int | None, text: str, what: Any = Asset
) -> Select:
    """The assets with an active `controls` edge (of one type, whose number
    or name holds `text`), by number."""
    controlling = select(AssetRelationship.sourceassetid).where(
        AssetRelationship.relationshiptypeid == controls, AssetRelationship.isactive.is_(True)
    )
    query = select(what).where(Asset.assetid.in_(controlling))
    if what is Asset:
        query = query.options(joinedload(Asset.assettype)).order_by(
            Asset.assetnumber, Asset.assetid
        )
    if assettypeid is not None:
        query = query.where(Asset.assettypeid == assettypeid)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Asset.assetnumber.ilike(pattern, escape="\\"),
                Asset.name.ilike(pattern, escape="\\"),
            )
        )
    return query


def location_paths(session: Session) -> dict[int, str]:
    """Every location as "Building / Hall / Bay" (one query: locations are few)."""
    rows = {
        row.locationid: row
        for row in session.execute(
            select(Location.locationid, Location.name, Location.parentlocationid)
        )
    }
    paths: dict[int, str] = {}

    def path(locationid: int, depth: int = 0) -> str:
        if locationid in paths:
            return paths[locationid]
        row = rows[locationid]
        parent = row.parentlocationid
        text = row.name
        if parent in rows and depth < 32:
            text = f"{path(parent, depth + 1)} / {row.name}"
        paths[locationid] = text
        return text

    for locationid in rows:
        path(locationid)
    return paths


def machine_query(edge: Any, end: Any) -> Select:
    """`edge` (a column of the edge) and the asset at the edge's `end`:
    its id, number, name, location and type, by number."""
    machine = aliased(Asset)
    return (
        select(
            edge,
            machine.assetid,
            machine.assetnumber,
            machine.name,
            machine.locationid,
            AssetType.label.label("assettype"),
        )
        .join(machine, machine.assetid == end)
        .outerjoin(AssetType, AssetType.assettypeid == machine.assettypeid)
        .order_by(machine.assetnumber, machine.assetid)
    )


def controlling(controls: int, controllers: Select) -> tuple[Any, ...]:
    """The conditions of the active `controls` edges leaving `controllers`."""
    return (
        AssetRelationship.relationshiptypeid == controls,
        AssetRelationship.isactive.is_(True),
        AssetRelationship.sourceassetid.in_(controllers),
    )


def machines_of(
    session: Session, controllers: Select, controls: int, through: int | None
) -> dict[int, list[Machine]]:
    """The machines each controller of `controllers` (a query of asset ids)
    controls: direct edges, then what is part of their targets."""
    direct = session.execute(
        machine_query(AssetRelationship.sourceassetid, AssetRelationship.targetassetid)
        .add_columns(AssetRelationship.label)
        .where(*controlling(controls, controllers))
    ).all()
    paths = location_paths(session)
    found: dict[int, list[Machine]] = {}
    targets: dict[int, Any] = {}
    for row in direct:
        targets[row.assetid] = row
        found.setdefault(row.sourceassetid, []).append(
            Machine(
                row.assetid,
                row.assetnumber,
                row.name,
                row.assettype or "",
                paths.get(row.locationid, ""),
                label=row.label,
            )
        )
    if through is None or not targets:
        return found
    controlled = select(AssetRelationship.targetassetid).where(*controlling(controls, controllers))
    parts = session.execute(
        machine_query(
            AssetRelationship.targetassetid.label("parentid"), AssetRelationship.sourceassetid
        ).where(
            AssetRelationship.relationshiptypeid == through,
            AssetRelationship.isactive.is_(True),
            AssetRelationship.targetassetid.in_(controlled),
        )
    ).all()
    below: dict[int, list[Any]] = {}
    for each in parts:
        below.setdefault(each.parentid, []).append(each)
    for machines in found.values():
        direct_ids = {machine.assetid for machine in machines}
        for machine in list(machines):
            if machine.via:
                continue
            parent = targets[machine.assetid]
            for each in below.get(machine.assetid, ()):
                if each.assetid in direct_ids:
                    continue  # controlled directly as well: shown once, as direct
                location = paths.get(each.locationid) or paths.get(parent.locationid, "")
                machines.append(
                    Machine(
                        each.assetid,
                        each.assetnumber,
                        each.name,
                        each.assettype or "",
                        location,
                        via=parent.assetnumber,
                        viaid=parent.assetid,
                    )
                )
    return found


def report_rows(
    session: Session, assets: list[Asset], ids: Select, controls: int, through: int | None
) -> list[Controller]:
    """The controllers `assets` with their machines (`ids` selects their ids)."""
    machines = machines_of(session, ids, controls, through)
    return [
        Controller(
            asset.assetid,
            asset.assetnumber,
            asset.name,
            asset.assettype.label if asset.assettype else "",
            machines.get(asset.assetid, []),
        )
        for asset in assets
    ]


def flat(controllers: list[Controller]) -> list[list[Any]]:
    return [
        [
            each.assetnumber,
            each.name,
            each.assettype,
            machine.assetnumber,
            machine.name,
            machine.assettype,
            machine.via,
            machine.label,
            machine.location,
        ]
        for each in controllers
        for machine in each.machines
    ]


def _whole_number(name: str, default: int | None) -> int | None:
    """A positive whole number from the query string, or a ValueError naming it."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAXIMUM_ID:
        raise ValueError(f"The parameter {name} takes a whole number from 1, not {text!r}.")
    return int(text)


def pc_relationships() -> ResponseReturnValue:
    authorize(Access.ASSET_READ, write=False)
    site = current_site()
    session = get_session()
    kind = request.args.get("format", "")
    if kind and kind not in FORMATS:
        offered = ", ".join(FORMATS)
        return site.error(400, f"The format {kind!r} is not offered; use one of {offered}.")
    try:
        assettypeid = _whole_number("assettypeid", None)
        page_number = _whole_number("page", 1) or 1
    except ValueError as error:
        return site.error(400, str(error))
    text = request.args.get("q", "").strip()[:MAXIMUM_TEXT]
    controls, through = edge_types(session)
    types = session.execute(
        select(AssetType.assettypeid, AssetType.label).order_by(AssetType.label)
    ).all()
    if controls is None:
        controllers: list[Controller] = []
        page = None
    elif kind:
        assets = list(session.scalars(controllers_query(controls, assettypeid, text)))
        ids = controllers_query(controls, assettypeid, text, Asset.assetid)
        controllers = report_rows(session, assets, ids, controls, through)
        page = None
    else:
        query = controllers_query(controls, assettypeid, text)
        page = paginate(session, query, page_number, PERPAGE)
        ids = select(Asset.assetid).where(Asset.assetid.in_([each.assetid for each in page.rows]))
        controllers = report_rows(session, page.rows, ids, controls, through)
    if kind:
        rows = flat(controllers)  # read now: the file is written after the request's session
        response = file_response(chunks(kind, HEADERS, rows, REPORT), kind, REPORT)
        response.headers["Cache-Control"] = "no-store"
        return response
    return site.page(
        "web/reports/pcrelationships.html",
        controllers=controllers,
        page=page,
        types=types,
        assettypeid=assettypeid,
        text=text,
        address=report_address,
    )


def report_address(**changes: Any) -> str:
    """This report's address with `changes` to its query (None drops one)."""
    query = {key: value for key, value in request.args.items() if value}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"/reports/{REPORT}" + (f"?{urlencode(query)}" if query else "")


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule(f"/reports/{REPORT}", "pcrelationships", pc_relationships)
