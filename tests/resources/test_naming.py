"""Lookups named in replies, on every database: the UNION ALL that names a
page's lookups works whatever the label columns' types and collations, and
derived relationships come from the same set-based queries."""

from __future__ import annotations

import pytest

from shopdb.database import get_database
from shopdb.resources.naming import label_column, singular
from shopdb.testing.databases import count_queries
from tests import factories

pytestmark = pytest.mark.database


def test_a_page_names_its_lookups_in_one_statement(app, seeded, admin):
    session = seeded
    cell = factories.asset(session, name="Cell")
    machine = factories.asset(session, name="Machine")
    pc = factories.asset(session, name="PC")
    factories.edge(session, machine, "partof", cell)
    factories.edge(session, pc, "controls", cell)
    session.commit()
    rows = admin.get("/api/assetrelationships?sort=assetrelationshipid").get_json()["data"]
    partof, controls = rows
    assert partof["sourceasset"] == {"id": machine.assetid, "name": machine.assetnumber}
    assert partof["targetasset"] == {"id": cell.assetid, "name": cell.assetnumber}
    assert partof["relationshiptype"]["name"] == "partof"
    assert controls["relationshiptype"]["name"] == "controls"
    engine = get_database(app).engine
    with count_queries(engine) as named:
        admin.get("/api/assetrelationships")
    with count_queries(engine) as empty:
        admin.get(f"/api/assetrelationships?sourceassetid={cell.assetid}")
    assert named.count == empty.count + 1
    derived = admin.get(f"/api/assets/{pc.assetid}").get_json()["data"]["relationships"]
    (item,) = derived["derived"]["outgoing"]
    assert item["asset"]["assetid"] == machine.assetid
    assert item["through"]["asset"]["assetid"] == cell.assetid
    found = admin.get(f"/api/assets?relatedfrom={pc.assetid}").get_json()["data"]
    assert {row["assetid"] for row in found} == {cell.assetid, machine.assetid}
    found = admin.get(f"/api/assets?relatedto={machine.assetid}").get_json()["data"]
    assert {row["assetid"] for row in found} == {pc.assetid}


def test_the_label_column_follows_the_naming_rules():
    from shopdb.models import Asset, AssetStatus, Location, User, Vendor

    assert singular("assetstatuses") == "assetstatus" and singular("vendors") == "vendor"
    assert label_column(AssetStatus.__table__).key == "assetstatus"
    assert label_column(Vendor.__table__).key == "vendor"
    assert label_column(Asset.__table__).key == "assetnumber"
    assert label_column(User.__table__).key == "username"
    assert label_column(Location.__table__).key == "name"
