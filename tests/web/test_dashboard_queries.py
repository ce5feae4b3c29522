"""The dashboard's and the report's own queries on each database (SQLite
here; MariaDB and PostgreSQL in CI with SHOPDB_TEST_DATABASE_URL): the
grouped counts, the controllers found by a text with LIKE's special
characters, the machines through a cell, the location paths."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shopdb.models import (
    Asset,
    AssetRelationship,
    AssetStatus,
    AssetType,
    Location,
    LocationType,
    RelationshipType,
)
from shopdb.web.dashboard import asset_counts
from shopdb.web.reports import controllers_query, edge_types, report_rows

pytestmark = pytest.mark.database


def test_counts_and_the_report_on_this_database(app, seeded):
    session = seeded
    statuses = {
        name: key
        for name, key in session.execute(select(AssetStatus.assetstatus, AssetStatus.assetstatusid))
    }
    kinds = {
        name: key
        for name, key in session.execute(
            select(RelationshipType.relationshiptype, RelationshipType.relationshiptypeid)
        )
    }
    pc = AssetType(assettype="testpc", label="Test PC")
    machine = AssetType(assettype="testmachine", label="Test machine")
    kind = session.scalar(select(LocationType).limit(1))
    hall = Location(name="Hall", locationtype=kind)
    session.add_all([pc, machine, hall])
    session.flush()
    bay = Location(name="Bay 50%", locationtype=kind, parentlocationid=hall.locationid)
    session.add(bay)
    session.flush()

    def asset(number, kind, status="active", **more):
        row = Asset(
            assetnumber=number,
            assettypeid=kind.assettypeid,
            assetstatusid=statuses[status],
            **more,
        )
        session.add(row)
        session.flush()
        return row

    first = asset("PC_50%", pc, name="first")
    second = asset("PCX50Y", pc, status="retired")
    cell = asset("CELL-1", machine, locationid=bay.locationid)
    part = asset("M-1", machine)
    other = asset("M-2", machine, locationid=hall.locationid)
    for source, target, name in (
        (first, cell, "controls"),
        (part, cell, "partof"),
        (second, other, "controls"),
    ):
        session.add(
            AssetRelationship(
                sourceassetid=source.assetid,
                targetassetid=target.assetid,
                relationshiptypeid=kinds[name],
            )
        )
    session.commit()
    site = app.extensions["shopdb.web"]
    with app.test_request_context("/"):
        rows, columns = asset_counts(session, site)
    counts = {row.label: row for row in rows}
    assert counts["Test PC"].total == 2 and counts["Test machine"].total == 3
    status = {name: statusid for statusid, name in columns}
    assert counts["Test PC"].cells[status["retired"]][0] == 1
    assert counts["Test machine"].cells[status["active"]][1] == (
        f"/assets?assettypeid={machine.assettypeid}&assetstatusid={status['active']}"
    )
    controls, through = edge_types(session)
    assert through == kinds["partof"]
    # "50%" is text, not a pattern: PCX50Y does not match.
    found = list(session.scalars(controllers_query(controls, None, "C_50%")))
    assert [each.assetnumber for each in found] == ["PC_50%"]
    ids = controllers_query(controls, None, "", Asset.assetid)
    everyone = list(session.scalars(controllers_query(controls, None, "")))
    report = {
        each.assetnumber: each for each in report_rows(session, everyone, ids, controls, through)
    }
    machines = {each.assetnumber: each for each in report["PC_50%"].machines}
    assert set(machines) == {"CELL-1", "M-1"}
    assert machines["CELL-1"].location == "Hall / Bay 50%"
    assert machines["M-1"].via == "CELL-1" and machines["M-1"].location == "Hall / Bay 50%"
    assert [each.location for each in report["PCX50Y"].machines] == ["Hall"]
    only = list(session.scalars(controllers_query(controls, pc.assettypeid + 1000, "")))
    assert only == []
