"""Applying the demo to a database: load the seeded reference rows, add the
missing catalogue rows, locations, assets and relationships (matched on natural
keys, so a second run adds nothing), write the floor plans, and report progress
in DEMO_STEPS units.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.errors import ShopDBError
from shopdb.models import (
    CONNECTEDTO,
    CONTROLS,
    PARTOF,
    Asset,
    AssetRelationship,
    AssetStatus,
    AssetType,
    Base,
    BusinessUnit,
    Location,
    LocationType,
    OperatingSystem,
    ProductModel,
    RelationshipType,
    Vendor,
)
from shopdb.services.demo.catalog import (
    BUSINESS_UNITS,
    MODELS,
    OPERATING_SYSTEMS,
    VENDORS,
)
from shopdb.services.demo.floorplans import (
    FLOORPLAN_FOLDER,
    building_svg,
    site_svg,
    slugify,
    write_floorplan,
)
from shopdb.services.demo.planner import Plan, build_plan
from shopdb.services.demo.site import (
    BUILDINGS,
    SITE_HEIGHT,
    SITE_NAME,
    SITE_WIDTH,
    Place,
    area_place,
    building_place,
)
from shopdb.services.seeds import SeedReport

# Assets and relationships go to the database in batches of this size.
FLUSH_EVERY = 150

# Progress units per phase; DEMO_STEPS is their sum.
PHASES = (
    ("reference", 10),
    ("locations", 10),
    ("floorplans", 10),
    ("assets", 45),
    ("relationships", 25),
)
DEMO_STEPS = sum(units for _, units in PHASES)


class Ticker:
    """Turns phase milestones into progress increments that add up to DEMO_STEPS."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self.callback = callback
        self.done = 0
        self.starts: dict[str, tuple[int, int]] = {}
        position = 0
        for name, units in PHASES:
            self.starts[name] = (position, units)
            position += units

    def reach(self, phase: str, fraction: float = 1.0) -> None:
        start, units = self.starts[phase]
        mark = start + math.floor(units * min(max(fraction, 0.0), 1.0))
        if mark > self.done:
            if self.callback is not None:
                self.callback(mark - self.done)
            self.done = mark


def _by_name(session: Session, model: type[Base], column: str) -> dict[str, Any]:
    return {getattr(row, column): row for row in session.scalars(select(model))}


def _require(found: dict[str, Any], names: Iterable[str], what: str) -> None:
    missing = sorted(set(names) - set(found))
    if missing:
        raise ShopDBError(
            f"The demo needs the {what} {', '.join(missing)}; run `shopdb seed` first."
        )


def _fold(name: str) -> str:
    """Key for rows the demo creates: MySQL's collations ignore case, so `DELL`
    already there must be reused rather than collide with a new `Dell`."""
    return name.casefold()


def _ensure_named(
    session: Session, model: type[Base], column: str, rows: Iterable[dict], report: SeedReport
) -> dict[str, Any]:
    """The planned rows by their planned name, created where missing."""
    existing = {_fold(name): row for name, row in _by_name(session, model, column).items()}
    found: dict[str, Any] = {}
    for values in rows:
        row = existing.get(_fold(values[column]))
        if row is None:
            row = existing[_fold(values[column])] = model(**values)
            session.add(row)
            report.add(model.__tablename__)
        found[values[column]] = row
    return found


@dataclass
class Catalog:
    """Reference rows by natural key, ready to be pointed at."""

    statuses: dict[str, AssetStatus]
    relationshiptypes: dict[str, RelationshipType]
    locationtypes: dict[str, LocationType]
    assettypes: dict[str, AssetType] = field(default_factory=dict)
    vendors: dict[str, Vendor] = field(default_factory=dict)
    models: dict[tuple[str, str], ProductModel] = field(default_factory=dict)
    businessunits: dict[str, BusinessUnit] = field(default_factory=dict)
    locations: dict[Place, Location] = field(default_factory=dict)


def load_catalog(session: Session) -> Catalog:
    """The seeded reference rows, looked up by exact name in Python."""
    catalog = Catalog(
        _by_name(session, AssetStatus, "assetstatus"),
        _by_name(session, RelationshipType, "relationshiptype"),
        _by_name(session, LocationType, "locationtype"),
    )
    _require(
        catalog.statuses, ("active", "inactive", "decommissioned", "retired"), "asset statuses"
    )
    _require(catalog.relationshiptypes, (PARTOF, CONTROLS, CONNECTEDTO), "relationship types")
    _require(catalog.locationtypes, ("site", "building", "bay", "room", "area"), "location types")
    # Asset types are the plugins' own: each installed plugin registered its
    # type (label, icon, owner) when it was installed; the demo only uses them.
    catalog.assettypes = _by_name(session, AssetType, "assettype")
    return catalog


def left_out(plan: Plan, held: Plan) -> str:
    """The sentence naming the planned assets whose types no installed plugin
    registers ('' when none)."""
    kept = {asset.assetnumber for asset in held.assets}
    missing = Counter(asset.assettype for asset in plan.assets if asset.assetnumber not in kept)
    if not missing:
        return ""
    kinds = ", ".join(f"{kind} ({count})" for kind, count in sorted(missing.items()))
    return (
        f"Left out {sum(missing.values())} planned assets of types no installed plugin "
        f"registers: {kinds}. Install the plugins that own them (shopdb plugin list) and run "
        "it again to add them."
    )


def seed_reference(session: Session, catalog: Catalog, report: SeedReport) -> None:
    catalog.vendors = _ensure_named(
        session, Vendor, "vendor", (dict(vendor=v, website=w) for v, w in VENDORS), report
    )
    _ensure_named(
        session,
        OperatingSystem,
        "operatingsystem",
        (dict(operatingsystem=name) for name in OPERATING_SYSTEMS),
        report,
    )
    catalog.businessunits = _ensure_named(
        session,
        BusinessUnit,
        "businessunit",
        (dict(businessunit=name, code=code) for name, code in BUSINESS_UNITS),
        report,
    )
    session.flush()
    existing = {
        (row.vendorid, _fold(row.modelnumber)): row for row in session.scalars(select(ProductModel))
    }
    for assettype, vendors in MODELS.items():
        if assettype not in catalog.assettypes:
            continue  # no installed plugin owns the type: no models of it either
        for vendor, modelnumbers in vendors.items():
            vendorid = catalog.vendors[vendor].vendorid
            for modelnumber in modelnumbers:
                row = existing.get((vendorid, _fold(modelnumber)))
                if row is None:
                    row = ProductModel(
                        modelnumber=modelnumber,
                        vendorid=vendorid,
                        assettypeid=catalog.assettypes[assettype].assettypeid,
                    )
                    session.add(row)
                    report.add(ProductModel.__tablename__)
                catalog.models[(vendor, modelnumber)] = row
    session.flush()


def seed_locations(session: Session, catalog: Catalog, report: SeedReport) -> None:
    existing = {
        (row.parentlocationid, _fold(row.name)): row for row in session.scalars(select(Location))
    }

    def ensure(place: Place, parent: Location | None, kind: str, **values: Any) -> Location:
        key = (parent.locationid if parent is not None else None, _fold(place[-1]))
        found = None if parent is not None and parent.locationid is None else existing.get(key)
        if found is None:
            found = Location(
                name=place[-1],
                locationtypeid=catalog.locationtypes[kind].locationtypeid,
                parent=parent,
                **values,
            )
            session.add(found)
            report.add(Location.__tablename__)
        catalog.locations[place] = found
        return found

    site_slug = slugify(SITE_NAME)
    site = ensure(
        (SITE_NAME,),
        None,
        "site",
        floorplanimage=f"{FLOORPLAN_FOLDER}/{site_slug}.svg",
        floorplanwidth=SITE_WIDTH,
        floorplanheight=SITE_HEIGHT,
        notes="Demo site created by `shopdb seed --demo`.",
    )
    for building in BUILDINGS:
        x, y = building.footprint.center
        parent = ensure(
            building_place(building),
            site,
            "building",
            mapx=x,
            mapy=y,
            floorplanimage=f"{FLOORPLAN_FOLDER}/{slugify(SITE_NAME, building.name)}.svg",
            floorplanwidth=building.width,
            floorplanheight=building.height,
            notes=building.purpose,
        )
        for area in building.areas:
            x, y = area.rect.center
            ensure(
                area_place(building, area),
                parent,
                area.locationtype,
                mapx=x,
                mapy=y,
                notes=area.purpose,
            )
    session.flush()


def write_floorplans(catalog: Catalog) -> list[str]:
    """Draw the plans the demo's locations point at; returns the files written."""
    folder = Path(current_app.config["SHOPDB_INSTANCE_PATH"])
    drawings = [((SITE_NAME,), site_svg)] + [
        (building_place(b), lambda b=b: building_svg(b)) for b in BUILDINGS
    ]
    written = []
    for place, draw in drawings:
        location = catalog.locations[place]
        image = location.floorplanimage
        expected = f"{FLOORPLAN_FOLDER}/{slugify(*place)}.svg"
        # Only plans the demo itself referenced; a site's own image stays untouched.
        if image == expected and write_floorplan(folder, image, draw()):
            written.append(image)
    return written


def seed_assets(
    session: Session, catalog: Catalog, plan: Plan, report: SeedReport, ticker: Ticker
) -> dict[str, int]:
    rows = session.execute(select(Asset.assetnumber, Asset.assetid))
    existing = {_fold(number): assetid for number, assetid in rows}
    ids = {
        a.assetnumber: existing[_fold(a.assetnumber)]
        for a in plan.assets
        if _fold(a.assetnumber) in existing
    }
    pending: list[tuple[str, Asset]] = []
    for index, planned in enumerate(plan.assets, start=1):
        if planned.assetnumber not in ids:
            model = (
                catalog.models[(planned.vendor, planned.model)]
                if planned.vendor and planned.model
                else None
            )
            vendor = catalog.vendors[planned.vendor] if planned.vendor else None
            asset = Asset(
                assetnumber=planned.assetnumber,
                name=planned.name,
                assettypeid=catalog.assettypes[planned.assettype].assettypeid,
                assetstatusid=catalog.statuses[planned.status].assetstatusid,
                locationid=catalog.locations[planned.place].locationid,
                businessunitid=catalog.businessunits[planned.businessunit].businessunitid,
                vendorid=vendor.vendorid if vendor else None,
                modelid=model.modelid if model else None,
                serialnumber=planned.serialnumber,
                mapx=planned.mapx,
                mapy=planned.mapy,
                notes=planned.notes,
                isactive=planned.status == "active",
            )
            session.add(asset)
            pending.append((planned.assetnumber, asset))
        if len(pending) >= FLUSH_EVERY or (pending and index == len(plan.assets)):
            session.flush()
            ids.update((number, asset.assetid) for number, asset in pending)
            report.add(Asset.__tablename__, len(pending))
            pending.clear()
        ticker.reach("assets", index / len(plan.assets))
    return ids


def seed_relationships(
    session: Session,
    catalog: Catalog,
    plan: Plan,
    ids: dict[str, int],
    report: SeedReport,
    ticker: Ticker,
) -> None:
    existing = {
        tuple(row)
        for row in session.execute(
            select(
                AssetRelationship.sourceassetid,
                AssetRelationship.targetassetid,
                AssetRelationship.relationshiptypeid,
            )
        )
    }
    edges = list(plan.edges.values())
    created = 0
    for index, edge in enumerate(edges, start=1):
        key = (
            ids[edge.source],
            ids[edge.target],
            catalog.relationshiptypes[edge.relationshiptype].relationshiptypeid,
        )
        if key[0] != key[1] and key not in existing:
            existing.add(key)
            session.add(
                AssetRelationship(
                    sourceassetid=key[0],
                    targetassetid=key[1],
                    relationshiptypeid=key[2],
                    label=edge.label,
                    inheritsposition=edge.inheritsposition,
                    isactive=edge.isactive,
                )
            )
            created += 1
        if index % FLUSH_EVERY == 0:
            session.flush()
        ticker.reach("relationships", index / len(edges))
    session.flush()
    if created:
        report.add(AssetRelationship.__tablename__, created)


def seed_demo_data(session: Session, progress: Callable[[int], None] | None = None) -> SeedReport:
    """Add whatever part of the demo site is missing; the caller commits.

    Needs `seed_reference_data` to have run and an application context (the
    floor plans go to the instance folder).
    """
    report = SeedReport()
    ticker = Ticker(progress)
    catalog = load_catalog(session)
    whole = build_plan()
    plan = whole.of_types(catalog.assettypes)
    note = left_out(whole, plan)
    if note:
        report.notes.append(note)
    seed_reference(session, catalog, report)
    ticker.reach("reference")
    seed_locations(session, catalog, report)
    ticker.reach("locations")
    write_floorplans(catalog)
    ticker.reach("floorplans")
    ids = seed_assets(session, catalog, plan, report, ticker)
    ticker.reach("assets")
    seed_relationships(session, catalog, plan, ids, report, ticker)
    ticker.reach("relationships")
    return report
