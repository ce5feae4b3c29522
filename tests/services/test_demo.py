"""The demo site: its shape, its floor plans, idempotence, determinism and the
positions the map will show. SQLite only; the site is seeded once per module,
with the bundled plugins that own the demo's asset types installed first (as
`make run` does): the demo reads the types from them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import shopdb.bundled
from shopdb.app import create_app
from shopdb.database import get_database, get_session
from shopdb.errors import ShopDBError
from shopdb.models import (
    CONNECTEDTO,
    CONTROLS,
    PARTOF,
    Asset,
    AssetRelationship,
    AssetStatus,
    AssetType,
    BusinessUnit,
    Location,
    LocationType,
    OperatingSystem,
    ProductModel,
    RelationshipType,
    Vendor,
)
from shopdb.services import migrations
from shopdb.services.demo import DEMO_STEPS, seed_demo_data
from shopdb.services.positions import resolve_asset_position
from shopdb.services.seeds import SeedReport, seed_reference_data
from tests.collectors.conftest import run
from tests.plugins.conftest import plugins_forgotten

SVG = "{http://www.w3.org/2000/svg}"
TABLES = (
    Asset,
    AssetRelationship,
    AssetType,
    BusinessUnit,
    Location,
    OperatingSystem,
    ProductModel,
    Vendor,
)


# The bundled plugins that register the asset types the demo plans.
TYPE_PLUGINS = ("computers", "equipment", "network", "measuringtools", "printers", "usb")


def make_app(folder: Path, plugins: tuple[str, ...] = TYPE_PLUGINS) -> Flask:
    app = create_app(
        {
            "SHOPDB_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{folder}/t.db",
            "SHOPDB_INSTANCE_PATH": str(folder),
        }
    )
    migrations.upgrade(get_database(app).engine)
    if plugins:
        run(app, "plugin", "install", *plugins)
    return app


@dataclass
class Seeded:
    app: Flask
    folder: Path
    report: SeedReport
    steps: list[int]
    before: dict[str, int]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    folder = tmp_path_factory.mktemp("demo")
    with plugins_forgotten(Path(shopdb.bundled.__file__).parent):
        app = make_app(folder)
        steps: list[int] = []
        with app.app_context():
            session = get_session()
            seed_reference_data(session)
            before = counts(session)
            report = seed_demo_data(session, progress=steps.append)
            session.commit()
        yield Seeded(app, folder, report, steps, before)
        get_database(app).dispose()


@pytest.fixture
def session(seeded: Seeded) -> Iterator[Session]:
    with seeded.app.app_context():
        yield get_session()


def counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def assets_by_type(session: Session) -> dict[str, list[Asset]]:
    found: dict[str, list[Asset]] = {}
    for asset in session.scalars(select(Asset).join(AssetType).order_by(Asset.assetnumber)):
        found.setdefault(asset.assettype.assettype, []).append(asset)
    return found


def asset_rows(session: Session) -> list[tuple]:
    query = (
        select(
            Asset.assetnumber,
            Asset.name,
            Asset.serialnumber,
            Asset.mapx,
            Asset.mapy,
            Asset.notes,
            AssetStatus.assetstatus,
        )
        .join(AssetStatus)
        .order_by(Asset.assetnumber)
    )
    return [tuple(row) for row in session.execute(query)]


def test_report_matches_the_rows_created(seeded: Seeded, session: Session) -> None:
    assert seeded.report.changed
    created = {table: count for table, count in seeded.report.created.items() if count}
    grown = {table: n - seeded.before[table] for table, n in counts(session).items()}
    assert created == {table: n for table, n in grown.items() if n}
    assert seeded.report.notes == []


def test_a_few_hundred_plausible_assets(session: Session) -> None:
    total = session.scalar(select(func.count()).select_from(Asset))
    assert 280 <= total <= 360
    by_type = assets_by_type(session)
    machines = [a for a in by_type["equipment"] if a.assetnumber.startswith("M-")]
    assert 110 <= len(machines) <= 130
    assert 100 <= len(by_type["computer"]) <= 120
    assert 15 <= len(by_type["network"]) <= 25
    assert 25 <= len(by_type["measuringtool"]) <= 35
    assert 12 <= len(by_type["printer"]) <= 18
    assert {m.assetnumber for m in machines} >= {"M-1001", "M-1100"}
    assert any(m.name == "DMU 65 monoBLOCK #3" for m in machines)
    for asset in (a for group in by_type.values() for a in group):
        assert asset.businessunitid is not None
        assert asset.locationid is not None
        assert asset.isactive == (asset.assetstatus.assetstatus == "active")
        if asset.model is not None:
            assert asset.model.vendorid == asset.vendorid
            assert asset.model.assettypeid == asset.assettypeid
    statuses = Counter(a.assetstatus.assetstatus for g in by_type.values() for a in g)
    assert statuses["retired"] >= 2
    assert statuses["inactive"] >= 2
    assert statuses["active"] > 0.9 * total
    serials = [a.serialnumber for a in machines + by_type["computer"]]
    assert all(serials) and len(set(serials)) == len(serials)


def test_reference_data(session: Session) -> None:
    plugins = {t.assettype: (t.pluginname, t.icon) for t in session.scalars(select(AssetType))}
    assert plugins == {
        "computer": ("computers", "pc-display"),
        "equipment": ("equipment", "gear-wide-connected"),
        "network": ("network", "router"),
        "measuringtool": ("measuringtools", "rulers"),
        "printer": ("printers", "printer"),
        "usb": ("usb", "usb-drive"),
    }
    vendors = set(session.scalars(select(Vendor.vendor)))
    assert {"DMG Mori", "Mazak", "Studer", "Dell", "HP", "Cisco", "Zeiss", "Zebra"} <= vendors
    systems = set(session.scalars(select(OperatingSystem.operatingsystem)))
    assert {"Windows 10 IoT Enterprise LTSC 2021", "Ubuntu 22.04 LTS"} <= systems
    units = set(session.scalars(select(BusinessUnit.businessunit)))
    assert units == {"Machining", "Assembly", "Quality", "Maintenance", "IT"}
    assert session.scalar(select(func.count()).select_from(ProductModel)) >= 40


def test_location_tree(session: Session) -> None:
    kinds = {t.locationtypeid: t.locationtype for t in session.scalars(select(LocationType))}
    locations = list(session.scalars(select(Location)))
    sites = [loc for loc in locations if loc.parentlocationid is None]
    assert [(s.name, kinds[s.locationtypeid]) for s in sites] == [("Plant 1", "site")]
    site = sites[0]
    assert site.floorplanimage == "floorplans/plant-1.svg"
    buildings = site.children
    assert 2 <= len(buildings) <= 3
    rooms = []
    for building in buildings:
        assert kinds[building.locationtypeid] == "building"
        assert (
            building.floorplanimage
            == f"floorplans/plant-1-{building.name.lower().replace(' ', '-')}.svg"
        )
        assert building.floorplanwidth and building.floorplanheight
        assert 0 < building.mapx < site.floorplanwidth
        assert 0 < building.mapy < site.floorplanheight
        bays = [c for c in building.children if kinds[c.locationtypeid] == "bay"]
        assert len(bays) >= 3
        for child in building.children:
            assert not child.children
            assert 0 < child.mapx < building.floorplanwidth
            assert 0 < child.mapy < building.floorplanheight
        rooms += [c.name for c in building.children if kinds[c.locationtypeid] == "room"]
    assert sorted(rooms) == ["Metrology Lab", "Server Room"]


def test_floor_plans_are_valid_svg(seeded: Seeded, session: Session) -> None:
    planned = list(session.scalars(select(Location).where(Location.floorplanimage.is_not(None))))
    assert len(planned) == 4
    for location in planned:
        path = seeded.folder / location.floorplanimage
        path.read_bytes().decode("ascii")
        root = ET.parse(path).getroot()
        assert root.tag == f"{SVG}svg"
        assert int(root.get("width")) == location.floorplanwidth
        assert int(root.get("height")) == location.floorplanheight
        labels = {text.text for text in root.iter(f"{SVG}text")}
        assert {child.name for child in location.children} <= labels
        centers = {
            (
                float(r.get("x")) + float(r.get("width")) / 2,
                float(r.get("y")) + float(r.get("height")) / 2,
            )
            for r in root.iter(f"{SVG}rect")
        }
        # Each bay, room or building is drawn where its own mapx/mapy put it.
        assert {(child.mapx, child.mapy) for child in location.children} <= centers


def test_progress_adds_up(seeded: Seeded) -> None:
    assert seeded.steps and all(step > 0 for step in seeded.steps)
    assert sum(seeded.steps) == DEMO_STEPS


def test_pcs_resolve_through_what_they_control(session: Session) -> None:
    by_type = assets_by_type(session)
    controlling = 0
    for pc in by_type["computer"]:
        assert pc.mapx is None and pc.mapy is None
        edges = [
            e
            for e in pc.outgoingrelationships
            if e.isactive and e.relationshiptype.relationshiptype == CONTROLS
        ]
        for edge in edges:
            controlling += 1
            position = resolve_asset_position(pc)
            assert position is not None and position.rule == "related"
            assert position.assetid == edge.targetassetid
    assert controlling > 0.75 * len(by_type["computer"])
    everything = [a for group in by_type.values() for a in group]
    resolved = [a for a in everything if resolve_asset_position(a) is not None]
    assert len(resolved) >= 0.95 * len(everything)


def test_edges(session: Session) -> None:
    edges = list(session.scalars(select(AssetRelationship)))
    assert len(edges) > 200
    assert all(e.sourceassetid != e.targetassetid for e in edges)
    triples = Counter((e.sourceassetid, e.targetassetid, e.relationshiptypeid) for e in edges)
    assert max(triples.values()) == 1
    kinds = Counter(e.relationshiptype.relationshiptype for e in edges)
    assert kinds[CONTROLS] >= 80 and kinds[PARTOF] >= 20 and kinds[CONNECTEDTO] >= 100
    for edge in edges:
        kind = edge.relationshiptype.relationshiptype
        source, target = edge.sourceasset, edge.targetasset
        if kind == CONNECTEDTO:
            assert target.assettype.assettype == "network"
        elif kind == PARTOF:
            assert target.assettype.assettype == "equipment"
            if edge.isactive and not source.has_own_position:
                assert resolve_asset_position(source).rule == "related"
        else:
            assert kind == CONTROLS
            assert source.assettype.assettype == "computer"
    uplinks = {
        e.sourceasset.name: e.targetasset.name
        for e in edges
        if e.relationshiptype.relationshiptype == CONNECTEDTO
        and e.sourceasset.assettype.assettype == "network"
    }
    assert all(uplinks[f"IDF-{code}"] == "CORE-SW01" for code in "ABC")
    assert uplinks["SW-A1"] == "IDF-A"


def test_second_run_changes_nothing(seeded: Seeded, session: Session) -> None:
    before = counts(session)
    rows = asset_rows(session)
    plans = {p: p.read_bytes() for p in (seeded.folder / "floorplans").iterdir()}
    steps: list[int] = []
    report = seed_demo_data(session, progress=steps.append)
    session.commit()
    assert not report.changed and not report.created
    assert sum(steps) == DEMO_STEPS
    assert counts(session) == before
    assert asset_rows(session) == rows
    assert {p: p.read_bytes() for p in (seeded.folder / "floorplans").iterdir()} == plans


def test_deterministic_and_respects_what_exists(tmp_path: Path, seeded: Seeded) -> None:
    with seeded.app.app_context():
        expected = asset_rows(get_session())
    app = make_app(tmp_path)
    own_plan = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    (tmp_path / "floorplans").mkdir()
    (tmp_path / "floorplans" / "plant-1.svg").write_bytes(own_plan)
    try:
        with app.app_context():
            session = get_session()
            with pytest.raises(ShopDBError, match="shopdb seed"):
                seed_demo_data(session)
            # A legacy type differing only in case must never stand in for `controls`.
            legacy = RelationshipType(relationshiptype="Controls")
            session.add_all([legacy, Vendor(vendor="DELL", website="https://intranet/dell")])
            session.flush()
            seed_reference_data(session)
            report = seed_demo_data(session)
            session.commit()
            assert report.created["vendors"] == 23
            dells = session.scalars(
                select(Vendor.vendor).where(func.lower(Vendor.vendor) == "dell")
            )
            assert dells.all() == ["DELL"]
            assert asset_rows(session) == expected
            assert not session.scalars(
                select(AssetRelationship).where(
                    AssetRelationship.relationshiptypeid == legacy.relationshiptypeid
                )
            ).all()
    finally:
        get_database(app).dispose()
    assert (tmp_path / "floorplans" / "plant-1.svg").read_bytes() == own_plan
    for name in ("plant-1-building-a.svg", "plant-1-building-b.svg", "plant-1-building-c.svg"):
        theirs = (seeded.folder / "floorplans" / name).read_bytes()
        assert (tmp_path / "floorplans" / name).read_bytes() == theirs


def test_fills_in_what_was_deleted(session: Session) -> None:
    rows = asset_rows(session)
    pc = session.scalar(select(Asset).where(Asset.assetnumber == "PC-2001"))
    edges = pc.outgoingrelationships + pc.incomingrelationships
    assert edges
    for edge in edges:
        session.delete(edge)
    session.flush()
    session.delete(pc)
    session.commit()
    report = seed_demo_data(session)
    session.commit()
    assert report.created == {"assets": 1, "assetrelationships": len(edges)}
    assert asset_rows(session) == rows


def test_plans_only_the_asset_types_installed_plugins_register(tmp_path: Path) -> None:
    """Asset types are the plugins' own: with only the printers plugin the demo
    adds printers (and their models), names what it left out, and adds the
    rest once their plugins are installed."""
    with plugins_forgotten(Path(shopdb.bundled.__file__).parent):
        app = make_app(tmp_path, plugins=("printers",))
        try:
            with app.app_context():
                session = get_session()
                seed_reference_data(session)
                first = seed_demo_data(session)
                session.commit()
                assert set(assets_by_type(session)) == {"printer"}
                kinds = set(session.scalars(select(AssetType.assettype).join(ProductModel)))
                assert kinds == {"printer"}
                (note,) = first.notes
                assert note.startswith("Left out ")
                assert "computer (" in note and "equipment (" in note
                assert "printer (" not in note
                assert note in first.summary()
            run(app, "plugin", "install", "computers")
            with app.app_context():
                session = get_session()
                second = seed_demo_data(session)
                session.commit()
                assert set(assets_by_type(session)) == {"printer", "computer"}
                assert second.created["assets"] > 100
                assert "computer (" not in second.notes[0]
        finally:
            get_database(app).dispose()
