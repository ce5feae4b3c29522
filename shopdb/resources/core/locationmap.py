"""`GET /api/locations/<id>/map`: one request for the floor map page.

The location, the plan it shows (its own or the nearest ancestor's), its
sub-locations placed on that plan, and every active asset under it with the
point where it shows on that plan and why (ADR 0017). Statements are bounded
whatever the number of assets: the location tree, the subtree, the assets,
the batch position resolution (at most five), the locations of related
assets outside the map; plus the search index's own reads when `q` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.database import get_session
from shopdb.errors import NotFoundError
from shopdb.http.envelope import data_response
from shopdb.http.identity import current_identity, guarded
from shopdb.models import Asset, AssetStatus, AssetType, Location
from shopdb.resources import operationdocs as docs
from shopdb.resources.queries import MAXIMUM_TEXT, apply_search
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.resources.schemas import ID_RANGE, safe_text
from shopdb.services.access import allows
from shopdb.services.locations import locations_within
from shopdb.services.mapplans import PlanNode, PlanTree
from shopdb.services.positions import (
    UNCACHED,
    Placement,
    ResolvedPosition,
    ids_in,
    resolve_placements,
)

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

DESCRIPTION = """\
Everything the floor map of one location needs, in one reply.

`plan` is the floor plan the map shows: the location's own, else its nearest
ancestor's (`inherited` true), else null. Its image is served by
`GET /api/locations/<planlocationid>/floorplan`; coordinates are pixels of
that image, origin top left, x right, y down.

`regions` are the locations below this one whose own mapx/mapy are points on
this plan (a location's coordinates are on its parent's plan).

`assets` are the active assets at this location or any location below it.
`rule` says how the asset's position was resolved (`asset`: its own mapx/mapy;
`related`: those of `fromassetid` or, with `fromlocationid`, of that asset's
location; `location`: those of `fromlocationid`, its location or an
ancestor). A point on the plan of a location below this one (an asset in a
building that has a plan of its own, on the site map) is drawn at that
location's point on this plan and names it in `vialocationid`. A position on
any other plan, or none at all, leaves `rule`, `mapx` and `mapy` null: the
asset is unplaced on this map.

`isdraggable`: the caller may edit assets, and the asset's own mapx/mapy would
be points on this plan (its location shows this plan), and it is placed by
its own position or unplaced. Moving it is `PATCH /api/assets/<id>` with
`mapx` and `mapy`.

`q` narrows the assets by the asset search (as `GET /api/assets?q=`);
`assettypeid` to one asset type. Plan and regions stay whole."""


# Schemas ---------------------------------------------------------------------------


class MapArgumentsSchema(Schema):
    q = fields.String(
        validate=[validate.Length(min=1, max=MAXIMUM_TEXT), safe_text],
        metadata={"description": "Free text matched as in the asset list's q."},
    )
    assettypeid = fields.Integer(
        validate=ID_RANGE, metadata={"description": "Only assets of this asset type."}
    )


class MapLocationSchema(Schema):
    locationid = fields.Integer(required=True)
    name = fields.String(required=True)
    parentlocationid = fields.Integer(required=True, allow_none=True)
    mapx = fields.Float(required=True, allow_none=True)
    mapy = fields.Float(required=True, allow_none=True)


class MapPlanSchema(Schema):
    locationid = fields.Integer(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True)
    width = fields.Integer(required=True, allow_none=True)
    height = fields.Integer(required=True, allow_none=True)
    inherited = fields.Boolean(required=True)


class MapRegionSchema(Schema):
    locationid = fields.Integer(required=True)
    name = fields.String(required=True)
    mapx = fields.Float(required=True)
    mapy = fields.Float(required=True)
    hasplan = fields.Boolean(required=True)


class MapAssetTypeSchema(Schema):
    assettypeid = fields.Integer(required=True)
    assettype = fields.String(required=True)
    label = fields.String(required=True)
    icon = fields.String(required=True, allow_none=True)


class MapAssetStatusSchema(Schema):
    assetstatusid = fields.Integer(required=True)
    assetstatus = fields.String(required=True)


class MapAssetSchema(Schema):
    assetid = fields.Integer(required=True)
    assetnumber = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    assettype = fields.Nested(MapAssetTypeSchema, required=True)
    assetstatus = fields.Nested(MapAssetStatusSchema, required=True)
    locationid = fields.Integer(required=True, allow_none=True)
    mapx = fields.Float(required=True, allow_none=True)
    mapy = fields.Float(required=True, allow_none=True)
    rule = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(["asset", "related", "location"])
    )
    fromassetid = fields.Integer(required=True, allow_none=True)
    fromlocationid = fields.Integer(required=True, allow_none=True)
    vialocationid = fields.Integer(required=True, allow_none=True)
    isdraggable = fields.Boolean(required=True)


class MapSchema(Schema):
    location = fields.Nested(MapLocationSchema, required=True)
    plan = fields.Nested(MapPlanSchema, required=True, allow_none=True)
    regions = fields.List(fields.Nested(MapRegionSchema), required=True)
    assets = fields.List(fields.Nested(MapAssetSchema), required=True)


class MapEnvelopeSchema(Schema):
    data = fields.Nested(MapSchema, required=True)


# The reply -------------------------------------------------------------------------


def _tree(session: Session) -> PlanTree:
    rows = session.execute(
        select(
            Location.locationid,
            Location.parentlocationid,
            Location.name,
            Location.mapx,
            Location.mapy,
            Location.floorplanimage.is_not(None),
            Location.floorplanwidth,
            Location.floorplanheight,
        )
    )
    return PlanTree(PlanNode(*row) for row in rows)


def floor_map(
    session: Session, locationid: int, args: dict[str, Any], may_edit: bool
) -> dict[str, Any]:
    """The reply's data for the map of `locationid` (ADR 0017)."""
    tree = _tree(session)
    here = tree.nodes.get(locationid)
    if here is None:
        raise NotFoundError(f"There is no locations row with id {locationid}.")
    planid = tree.plan_of(locationid)
    subtree = list(session.scalars(locations_within([locationid])))
    rows = _asset_rows(session, subtree, args)
    # Columns by position: reading a Row by name costs several times more.
    resolved = resolve_placements(session, (Placement(r[0], r[4], r[5], r[3]) for r in rows))
    homes = {r[0]: r[3] for r in rows}
    missing = {
        found.assetid
        for found in resolved.values()
        if found is not None and found.assetid is not None and found.assetid not in homes
    }
    if missing:
        query = select(Asset.assetid, Asset.locationid)
        found = session.execute(
            query.where(ids_in(Asset.assetid, missing)), execution_options=UNCACHED
        )
        for assetid, home in found:
            homes[assetid] = home
    return {
        "location": {
            "locationid": here.locationid,
            "name": here.name,
            "parentlocationid": here.parentlocationid,
            "mapx": here.mapx,
            "mapy": here.mapy,
        },
        "plan": None if planid is None else _plan(tree.nodes[planid], locationid),
        "regions": [
            {
                "locationid": node.locationid,
                "name": node.name,
                "mapx": node.mapx,
                "mapy": node.mapy,
                "hasplan": node.hasplan,
            }
            for node in tree.regions(locationid, subtree)
        ],
        "assets": _assets(rows, resolved, tree, planid, homes, may_edit),
    }


def _plan(node: PlanNode, locationid: int) -> dict[str, Any]:
    return {
        "locationid": node.locationid,
        "name": node.name,
        "url": f"/api/locations/{node.locationid}/floorplan",
        "width": node.floorplanwidth,
        "height": node.floorplanheight,
        "inherited": node.locationid != locationid,
    }


def _asset_rows(session: Session, subtree: list[int], args: dict[str, Any]) -> list[Any]:
    query = (
        select(
            Asset.assetid,
            Asset.assetnumber,
            Asset.name,
            Asset.locationid,
            Asset.mapx,
            Asset.mapy,
            AssetType.assettypeid,
            AssetType.assettype,
            AssetType.label,
            AssetType.icon,
            AssetStatus.assetstatusid,
            AssetStatus.assetstatus,
        )
        .join(AssetType, AssetType.assettypeid == Asset.assettypeid)
        .join(AssetStatus, AssetStatus.assetstatusid == Asset.assetstatusid)
        .where(Asset.isactive.is_(True), ids_in(Asset.locationid, subtree))
        .order_by(Asset.assetnumber)
    )
    if "assettypeid" in args:
        query = query.where(Asset.assettypeid == args["assettypeid"])
    if args.get("q"):
        # The asset list's own search (the search index), so the map finds
        # what the list finds.
        query, _rank = apply_search(
            current_app.extensions[RESOURCES_KEY]["assets"], query, args["q"]
        )
    return list(session.execute(query, execution_options=UNCACHED))


def _assets(
    rows: list[Any],
    resolved: dict[int, ResolvedPosition | None],
    tree: PlanTree,
    planid: int | None,
    homes: dict[int, int | None],
    may_edit: bool,
) -> list[dict[str, Any]]:
    """Each asset at its point on plan `planid` (ADR 0017); thousands per
    request, so type and status parts are made once and shared."""
    types: dict[int, dict[str, Any]] = {}
    statuses: dict[int, dict[str, Any]] = {}
    plan_of, location_plan, on_plan = tree.plan_of, tree.location_plan, tree.on_plan
    found_list = []
    for (
        assetid,
        assetnumber,
        name,
        locationid,
        _mapx,
        _mapy,
        assettypeid,
        assettype,
        label,
        icon,
        assetstatusid,
        assetstatus,
    ) in rows:
        found = resolved.get(assetid)
        home = plan_of(locationid)
        mapx = mapy = via = None
        placed = None
        if found is not None:
            if found.rule == "asset":
                source = home
            elif found.locationid is not None:
                source = location_plan(found.locationid)
            else:
                source = plan_of(homes.get(found.assetid or 0))
            if source == planid:
                mapx, mapy, placed = found.mapx, found.mapy, found
            else:
                point = on_plan(found.mapx, found.mapy, source, planid)
                if point is not None:
                    mapx, mapy, via, placed = point.mapx, point.mapy, point.vialocationid, found
        movable = placed is None or (via is None and placed.rule == "asset")
        kind = types.get(assettypeid)
        if kind is None:
            kind = types[assettypeid] = {
                "assettypeid": assettypeid,
                "assettype": assettype,
                "label": label,
                "icon": icon,
            }
        status = statuses.get(assetstatusid)
        if status is None:
            status = statuses[assetstatusid] = {
                "assetstatusid": assetstatusid,
                "assetstatus": assetstatus,
            }
        found_list.append(
            {
                "assetid": assetid,
                "assetnumber": assetnumber,
                "name": name,
                "assettype": kind,
                "assetstatus": status,
                "locationid": locationid,
                "mapx": mapx,
                "mapy": mapy,
                "rule": None if placed is None else placed.rule,
                "fromassetid": None if placed is None else placed.assetid,
                "fromlocationid": None if placed is None else placed.locationid,
                "vialocationid": via,
                "isdraggable": may_edit and movable and home == planid,
            }
        )
    return found_list


def map_routes(resource: Resource, blueprint: Blueprint) -> None:
    """Add the map route to the locations blueprint (`extra_routes`)."""

    def location_map(args: dict[str, Any], itemid: int) -> Any:
        assets = current_app.extensions[RESOURCES_KEY]["assets"]
        may_edit = allows(current_identity(), assets.write, write=True, anonymous_read=False)
        return data_response(floor_map(get_session(), itemid, args, may_edit))

    view: Any = blueprint.doc(
        summary="The floor map of a location",
        description=DESCRIPTION,
        operationId=docs.operation_id(resource, "map"),
    )(location_map)
    for status, component in docs.ITEM_ERRORS.items():
        view = blueprint.alt_response(status, component)(view)
    view = blueprint.response(200, MapEnvelopeSchema)(view)
    view = blueprint.arguments(MapArgumentsSchema, location="query")(view)
    view = guarded(resource.read, write=False)(view)
    blueprint.route("/<int:itemid>/map", endpoint="map")(view)
