"""GET /api/locations/<id>/map: the floor map in one request (ADR 0017)."""

from __future__ import annotations

import pytest

from shopdb.database import get_database, get_session
from shopdb.models import EDITOR, VIEWER
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.resources.searchindex import rebuild
from shopdb.services.access import ANONYMOUS_READ_SETTING
from shopdb.services.settings import set_setting
from shopdb.testing.databases import count_queries
from tests import factories

pytestmark = pytest.mark.database


@pytest.fixture
def plant(app, callers):
    """A site plan; a building with a plan of its own placed on it; a bay
    (no plan) placed on the building's plan; a store (no position). In the
    bay: a machine placed by itself, a PC that controls it, a gauge placed by
    the bay; in the store: a cart with no position on this plan."""
    with app.app_context():
        session = get_session()
        site = factories.location(
            session,
            "Site",
            floorplanimage="floorplans/site.svg",
            floorplanwidth=800,
            floorplanheight=600,
        )
        building = factories.location(
            session,
            "Building 1",
            parent=site,
            mapx=200,
            mapy=150,
            floorplanimage="floorplans/b1.svg",
            floorplanwidth=1200,
            floorplanheight=900,
        )
        bay = factories.location(session, "Bay 3", parent=building, mapx=400, mapy=245)
        store = factories.location(session, "Store", parent=building)
        elsewhere = factories.location(session, "Other hall", parent=site, mapx=600, mapy=100)
        pcs = factories.asset_type(session, "computer")
        pcs.icon = "pc-display"
        machine = factories.asset(
            session, assetnumber="M-1", name="Lathe", mapx=410, mapy=250, locationid=bay.locationid
        )
        pc = factories.asset(
            session,
            assetnumber="PC-1",
            name="Lathe PC",
            locationid=bay.locationid,
            assettypeid=pcs.assettypeid,
        )
        factories.edge(session, pc, "controls", machine)
        gauge = factories.asset(session, assetnumber="G-1", name="Gauge", locationid=bay.locationid)
        cart = factories.asset(session, assetnumber="C-1", name="Cart", locationid=store.locationid)
        factories.asset(
            session, assetnumber="X-1", name="Retired", locationid=bay.locationid, isactive=False
        )
        factories.asset(
            session,
            assetnumber="O-1",
            name="Elsewhere",
            mapx=5,
            mapy=5,
            locationid=elsewhere.locationid,
        )
        rebuild(session, [app.extensions[RESOURCES_KEY]["assets"]])
        session.commit()
        return {
            "site": site.locationid,
            "building": building.locationid,
            "bay": bay.locationid,
            "store": store.locationid,
            "machine": machine.assetid,
            "pc": pc.assetid,
            "gauge": gauge.assetid,
            "cart": cart.assetid,
            "computer": pcs.assettypeid,
        }


def by_number(reply):
    return {asset["assetnumber"]: asset for asset in reply.get_json()["data"]["assets"]}


def placed(asset):
    keys = ("mapx", "mapy", "rule", "fromassetid", "fromlocationid", "vialocationid", "isdraggable")
    return tuple(asset[key] for key in keys)


def test_the_map_of_a_building_places_each_asset_by_its_rule(plant, editor):
    reply = editor.get(f"/api/locations/{plant['building']}/map")
    assert reply.status_code == 200
    data = reply.get_json()["data"]
    assert data["location"] == {
        "locationid": plant["building"],
        "name": "Building 1",
        "parentlocationid": plant["site"],
        "mapx": 200,
        "mapy": 150,
    }
    assert data["plan"] == {
        "locationid": plant["building"],
        "name": "Building 1",
        "url": f"/api/locations/{plant['building']}/floorplan",
        "width": 1200,
        "height": 900,
        "inherited": False,
    }
    assert data["regions"] == [
        {"locationid": plant["bay"], "name": "Bay 3", "mapx": 400, "mapy": 245, "hasplan": False}
    ]
    assets = by_number(reply)
    assert sorted(assets) == ["C-1", "G-1", "M-1", "PC-1"]  # active, under the building
    assert placed(assets["M-1"]) == (410, 250, "asset", None, None, None, True)
    assert placed(assets["PC-1"]) == (410, 250, "related", plant["machine"], None, None, False)
    assert placed(assets["G-1"]) == (400, 245, "location", None, plant["bay"], None, False)
    # The store has no position: the building's own is on the site plan.
    assert placed(assets["C-1"]) == (None, None, None, None, None, None, True)
    assert assets["PC-1"]["assettype"] == {
        "assettypeid": plant["computer"],
        "assettype": "computer",
        "label": "Computer",
        "icon": "pc-display",
    }
    assert assets["PC-1"]["assetstatus"]["assetstatus"] == "active"
    assert assets["PC-1"]["locationid"] == plant["bay"]


def test_a_bay_shows_its_buildings_plan_with_the_same_points(plant, editor):
    data = editor.get(f"/api/locations/{plant['bay']}/map").get_json()["data"]
    assert data["plan"]["locationid"] == plant["building"]
    assert data["plan"]["inherited"] is True
    assert data["regions"] == []
    assets = {asset["assetnumber"]: asset for asset in data["assets"]}
    assert sorted(assets) == ["G-1", "M-1", "PC-1"]
    assert placed(assets["M-1"]) == (410, 250, "asset", None, None, None, True)


def test_the_site_map_shows_a_buildings_assets_at_the_building(plant, editor):
    data = editor.get(f"/api/locations/{plant['site']}/map").get_json()["data"]
    assert data["plan"]["inherited"] is False
    assert [region["name"] for region in data["regions"]] == ["Building 1", "Other hall"]
    assets = {asset["assetnumber"]: asset for asset in data["assets"]}
    building = plant["building"]
    assert placed(assets["M-1"]) == (200, 150, "asset", None, None, building, False)
    assert placed(assets["G-1"]) == (200, 150, "location", None, plant["bay"], building, False)
    # Placed on the site plan by its own position, in a location without a plan.
    assert placed(assets["O-1"]) == (5, 5, "asset", None, None, None, True)
    assert placed(assets["C-1"])[:3] == (200, 150, "location")


def test_q_and_assettypeid_narrow_the_assets(plant, editor):
    url = f"/api/locations/{plant['building']}/map"
    assert sorted(by_number(editor.get(f"{url}?q=lathe"))) == ["M-1", "PC-1"]
    assert sorted(by_number(editor.get(f"{url}?assettypeid={plant['computer']}"))) == ["PC-1"]
    assert by_number(editor.get(f"{url}?q=nothing-like-it")) == {}
    assert editor.get(f"{url}?assettypeid=0").status_code == 400


def test_an_unknown_location_is_404(plant, editor):
    reply = editor.get("/api/locations/999999/map")
    assert reply.status_code == 404
    assert reply.get_json()["data"]["error"]["code"] == "not_found"


def test_a_viewer_reads_the_map_but_drags_nothing(plant, callers):
    reply = callers[VIEWER].get(f"/api/locations/{plant['building']}/map")
    assert reply.status_code == 200
    assert not any(asset["isdraggable"] for asset in reply.get_json()["data"]["assets"])
    assert callers[EDITOR].get(f"/api/locations/{plant['building']}/map").status_code == 200


def test_anonymous_reads_it_only_when_the_site_allows(app, plant, callers):
    url = f"/api/locations/{plant['building']}/map"
    assert callers[None].get(url).status_code == 401
    with app.app_context():
        set_setting(get_session(), ANONYMOUS_READ_SETTING, True)
        get_session().commit()
    reply = callers[None].get(url)
    assert reply.status_code == 200
    assert not any(asset["isdraggable"] for asset in reply.get_json()["data"]["assets"])


def test_the_statement_count_does_not_grow_with_the_assets(app, editor):
    """10 and 200 assets, every rule mixed, cost the same statements."""
    with app.app_context():
        session = get_session()
        hall = factories.location(session, "Hall", floorplanimage="floorplans/h.svg")
        rows = []
        for count in (10, 200):
            bay = factories.location(session, f"Bay {count}", parent=hall, mapx=count, mapy=count)
            for number in range(count):
                own = factories.asset(session, mapx=number, mapy=1, locationid=bay.locationid)
                if number % 3 == 1:
                    follower = factories.asset(session, locationid=bay.locationid)
                    factories.edge(session, follower, "partof", own)
                elif number % 3 == 2:
                    factories.asset(session, locationid=bay.locationid)
            rows.append(bay.locationid)
        session.commit()
    engine = get_database(app).engine
    counts = []
    for locationid in rows:
        with count_queries(engine) as counter:
            reply = editor.get(f"/api/locations/{locationid}/map")
        assert reply.status_code == 200
        assert {asset["rule"] for asset in reply.get_json()["data"]["assets"]} == {
            "asset",
            "related",
            "location",
        }
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
