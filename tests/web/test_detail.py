"""The detail page beyond the fields: relationships in and out, derived ones
(through propagatesthroughid) with the edges they come through, adding and
removing an edge through the write path (role-checked, CSRF), plugin detail
panels and list columns, the resolved position's rule, the history."""

from __future__ import annotations

import re

from sqlalchemy import select

from shopdb.database import get_database, get_session
from shopdb.models import AssetRelationship, AuditLog, RelationshipType
from shopdb.testing.databases import count_queries
from shopdb.web.words import field_label
from tests.web.conftest import csrf


def edge_of(app, kind: str) -> tuple[int, int, int]:
    """(edge id, source, target) of the first active edge of a type."""
    with app.app_context():
        query = (
            select(AssetRelationship)
            .join(RelationshipType)
            .where(RelationshipType.relationshiptype == kind, AssetRelationship.isactive)
            .order_by(AssetRelationship.assetrelationshipid)
        )
        edge = get_session().scalars(query).first()
        return edge.assetrelationshipid, edge.sourceassetid, edge.targetassetid


def derived_pair(app) -> tuple[int, int, int]:
    """(pc, machine, part): the pc controls the machine, the part is partof it."""
    with app.app_context():
        session = get_session()
        controls = session.scalars(
            select(AssetRelationship)
            .join(RelationshipType)
            .where(RelationshipType.relationshiptype == "controls")
        ).all()
        for edge in controls:
            part = session.scalars(
                select(AssetRelationship)
                .join(RelationshipType)
                .where(
                    RelationshipType.relationshiptype == "partof",
                    AssetRelationship.targetassetid == edge.targetassetid,
                    AssetRelationship.sourceassetid != edge.sourceassetid,
                )
            ).first()
            if part is not None:
                return edge.sourceassetid, edge.targetassetid, part.sourceassetid
    raise AssertionError("the demo site has no controlled asset with a part")


def type_id(app, kind: str) -> int:
    with app.app_context():
        query = select(RelationshipType.relationshiptypeid).where(
            RelationshipType.relationshiptype == kind
        )
        return get_session().scalar(query)


def test_derived_relationships_show_on_both_pages_with_their_edges(demo_app, browser_of):
    pc, machine, part = derived_pair(demo_app)
    client = browser_of("viewer")
    reply = client.get(f"/api/assets/{pc}").get_json()["data"]
    derived = reply["relationships"]["derived"]["outgoing"]
    item = next(each for each in derived if each["asset"]["assetid"] == part)
    assert item["relationshiptype"] == "controls"
    assert item["through"]["asset"]["assetid"] == machine
    assert item["through"]["relationshiptype"] == "partof"
    incoming = client.get(f"/api/assets/{part}").get_json()["data"]["relationships"]["derived"]
    assert pc in [each["asset"]["assetid"] for each in incoming["incoming"]]
    page = client.get(f"/assets/{pc}").get_data(True)
    table = page.split('data-testid="edges-derived"', 1)[1].split("</table>", 1)[0]
    assert f'href="/assets/{part}"' in table and f'href="/assets/{machine}"' in table
    assert f'href="/assetrelationships/{item["through"]["assetrelationshipid"]}"' in table
    page = client.get(f"/assets/{part}").get_data(True)
    assert f'href="/assets/{pc}"' in page.split('data-testid="edges-derived"', 1)[1]


def test_the_api_filters_assets_by_direct_and_derived_relationships(demo_app, browser_of):
    pc, machine, part = derived_pair(demo_app)
    client = browser_of("viewer")
    found = client.get(f"/api/assets?relatedfrom={pc}&perpage=500").get_json()["data"]
    ids = {row["assetid"] for row in found}
    assert {machine, part} <= ids and pc not in ids
    found = client.get(f"/api/assets?relatedto={part}&perpage=500").get_json()["data"]
    assert pc in {row["assetid"] for row in found}  # the PC that controls its machine
    found = client.get(f"/api/assets?relatedfrom={part}").get_json()["data"]
    assert machine in {row["assetid"] for row in found}  # what it is part of
    bad = client.get("/api/assets?relatedfrom=abc")
    assert bad.status_code == 400 and "relatedfrom" in bad.get_json()["data"]["error"]["details"]
    engine = get_database(demo_app).engine
    with count_queries(engine) as few:
        client.get(f"/api/assets?relatedfrom={pc}&perpage=1")
    with count_queries(engine) as many:
        client.get(f"/api/assets?relatedfrom={pc}&perpage=500")
    assert few.count == many.count


def test_an_editor_adds_and_removes_an_edge_from_the_detail_page(demo_app, browser_of):
    pc, _machine, part = derived_pair(demo_app)
    client = browser_of("editor")
    page = client.get(f"/assets/{part}").get_data(True)
    assert 'data-testid="addedge"' in page
    form = {
        "csrf_token": csrf(client),
        "direction": "incoming",
        "relationshiptypeid": str(type_id(demo_app, "connectedto")),
        "otherassetid": str(pc),
        "label": "test link",
    }
    response = client.post(f"/assets/{part}/relationships", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/assets/{part}#relationships"
    page = client.get(f"/assets/{part}").get_data(True)
    assert "Added relationship" in page
    incoming = page.split('data-testid="edges-incoming"', 1)[1].split("</table>", 1)[0]
    assert "test link" in incoming
    remove = r'data-testid="removeedge-(\d+)"[^>]*aria-label="Remove connectedto'
    edgeid = int(re.search(remove, incoming).group(1))
    with demo_app.app_context():
        edge = get_session().get(AssetRelationship, edgeid)
        assert (edge.sourceassetid, edge.targetassetid, edge.label) == (pc, part, "test link")
        entry = (
            get_session()
            .scalars(
                select(AuditLog).where(
                    AuditLog.entitytype == "assetrelationships", AuditLog.entityid == str(edgeid)
                )
            )
            .one()
        )
        assert (entry.action, entry.username) == ("create", "editor")
    again = client.post(f"/assets/{part}/relationships", data=form)
    assert "was not added" in client.get(again.headers["Location"]).get_data(True)
    removed = client.post(
        f"/assets/{part}/relationships/{edgeid}/delete", data={"csrf_token": csrf(client)}
    )
    assert removed.status_code == 303
    with demo_app.app_context():
        assert get_session().get(AssetRelationship, edgeid) is None
    assert "Removed relationship" in client.get(f"/assets/{part}").get_data(True)


def test_an_edge_of_another_asset_cannot_be_removed_here(demo_app, browser_of):
    edgeid, source, target = edge_of(demo_app, "partof")
    other = next(i for i in range(1, 50) if i not in (source, target))
    client = browser_of("editor")
    response = client.post(
        f"/assets/{other}/relationships/{edgeid}/delete", data={"csrf_token": csrf(client)}
    )
    assert response.status_code == 404
    with demo_app.app_context():
        assert get_session().get(AssetRelationship, edgeid) is not None


def test_a_viewer_sees_no_edge_controls_and_is_refused(demo_app, browser_of):
    edgeid, source, target = edge_of(demo_app, "partof")
    viewer = browser_of("viewer")
    page = viewer.get(f"/assets/{source}").get_data(True)
    assert 'data-testid="addedge"' not in page and "removeedge-" not in page
    form = {"csrf_token": csrf(viewer), "relationshiptypeid": "1", "otherassetid": str(target)}
    assert viewer.post(f"/assets/{source}/relationships", data=form).status_code == 403
    refused = viewer.post(
        f"/assets/{source}/relationships/{edgeid}/delete", data={"csrf_token": csrf(viewer)}
    )
    assert refused.status_code == 403
    editor = browser_of("editor")
    without = editor.post(f"/assets/{source}/relationships/{edgeid}/delete", data={})
    assert without.status_code == 303  # no CSRF value: not signed in for this post
    assert without.headers["Location"].startswith("/signin")
    with demo_app.app_context():
        assert get_session().get(AssetRelationship, edgeid) is not None


def test_plugin_panels_and_list_columns_render(demo_app, browser_of):
    pc, machine, part = derived_pair(demo_app)
    client = browser_of("viewer")
    page = client.get(f"/computers/{pc}").get_data(True)
    panel = page.split('data-testid="panel-controls"', 1)[1].split("</div></div>", 1)[0]
    assert "Machines this computer controls" in panel
    assert f'href="/assets/{machine}"' in panel and f'href="/assets/{part}"' in panel
    tool = re.search(r'href="/measuringtools/(\d+)"', client.get("/measuringtools").get_data(True))
    page = client.get(f"/measuringtools/{tool.group(1)}").get_data(True)
    assert 'data-testid="panel-calibration"' in page and 'data-testid="calibrationstate"' in page
    listing = client.get("/assets?perpage=250").get_data(True)
    assert "Controlled by" in listing
    hostname = client.get(f"/api/computers/{pc}").get_json()["data"]["hostname"]
    row = listing.split(f'href="/assets/{machine}"', 1)[1].split("</tr>", 1)[0]
    assert hostname in row
    engine = get_database(demo_app).engine
    with count_queries(engine) as few:
        client.get("/assets?perpage=10")
    with count_queries(engine) as many:
        client.get("/assets?perpage=250")
    assert few.count == many.count


def test_the_position_names_its_rule_and_source(demo_app, browser_of):
    pc, _machine, _part = derived_pair(demo_app)
    client = browser_of("viewer")
    position = client.get(f"/api/assets/{pc}").get_json()["data"]["position"]
    page = client.get(f"/assets/{pc}").get_data(True)
    assert position is not None
    if position["rule"] == "related":  # the PC shows where what it drives stands
        number = client.get(f"/api/assets/{position['assetid']}").get_json()["data"]["assetnumber"]
        assert f">{number}</a> (rule: a related asset" in page
    else:
        assert position["rule"] in ("asset", "location")
        assert "its own position" in page or "rule: its location" in page


def test_the_history_names_lookups_in_its_changes(demo_app, browser_of):
    admin = browser_of("admin")
    statuses = {
        row["assetstatus"]: row["assetstatusid"]
        for row in admin.get("/api/assetstatuses").get_json()["data"]
    }
    asset = admin.get("/api/assets?perpage=1&sort=-assetnumber").get_json()["data"][0]
    new = next(name for name, key in statuses.items() if key != asset["assetstatusid"])
    headers = {"X-CSRF-TOKEN": csrf(admin)}
    changed = admin.patch(
        f"/api/assets/{asset['assetid']}", json={"assetstatusid": statuses[new]}, headers=headers
    )
    assert changed.status_code == 200, changed.get_json()
    html = admin.get(f"/assets/{asset['assetid']}").get_data(True)
    history = html.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    line = history.split(f"{field_label('assetstatusid', True)}:", 1)[1].split("</li>", 1)[0]
    assert asset["assetstatus"]["name"] in line and new in line
