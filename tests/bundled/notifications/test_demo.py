"""`shopdb seed --demo` with the notifications plugin: announcements showing
now, coming up and archived, some targeted at the demo plant's buildings,
bays and rooms; nothing added the second time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopdb.database import get_database
from shopdb.testing.databases import count_queries
from tests.bundled.notifications.conftest import ACTIVE, KIOSK, NAME, URL, Site
from tests.bundled.support import installed_site
from tests.collectors.conftest import run

pytestmark = pytest.mark.database

DEMO_NOTIFICATIONS = 7


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    """A site of its own: the demo's untargeted announcements show everywhere."""
    # With the computers plugin, so the demo has assets to link announcements to.
    with installed_site(NAME, tmp_path_factory, Site, also=("computers",)) as site:
        yield site, run(site.app, "seed", "--demo").output


def listed(site: Site, **query) -> dict[str, dict]:
    reply = site.admin.get(URL, query_string={"perpage": 500, **query}).get_json()
    return {row["title"]: row for row in reply["data"]}


def location_id(site: Site, name: str) -> int:
    reply = site.admin.get("/api/locations", query_string={"name": name}).get_json()
    (row,) = reply["data"]
    return row["locationid"]


def test_seed_demo_adds_announcements_once(demo):
    site, output = demo
    assert f"notifications: Added {DEMO_NOTIFICATIONS} announcements." in output
    rows = listed(site)
    assert len(rows) == DEMO_NOTIFICATIONS
    assert len(listed(site, state="active")) == 3
    assert len(listed(site, state="upcoming")) == 2
    assert len(listed(site, state="archived")) == 2
    assert listed(site, withinlocationid=location_id(site, "Building B"))

    again = run(site.app, "seed", "--demo").output
    assert "notifications: nothing to add." in again
    assert listed(site) == rows


def test_a_bay_screen_shows_its_building_outage_first(demo):
    site, _output = demo
    bay = location_id(site, "Bay B1")
    shown = site.admin.get(ACTIVE, query_string={"locationid": bay}).get_json()["data"]
    assert [row["severity"] for row in shown] == ["outage", "info"]
    outage = shown[0]
    assert outage["title"] == "Network outage in Building B"
    assert "<strong>IDF-B</strong>" in outage["messagehtml"]
    if outage["assetid"] is not None:  # the demo's closet switch, when the plant has it
        assert outage["asset"]["name"] == "IDF-B"
    html = site.admin.get(KIOSK, query_string={"locationid": bay}).get_data(as_text=True)
    assert "Network outage in Building B" in html
    assert "Bay B1" in html


def test_linked_assets_cost_one_statement_however_many(demo):
    site, _output = demo
    bay = location_id(site, "Bay B1")
    assets = site.admin.get("/api/assets", query_string={"perpage": 20}).get_json()["data"]
    engine = get_database(site.app).engine

    def statements() -> int:
        with count_queries(engine) as counter:
            response = site.admin.get(ACTIVE, query_string={"locationid": bay})
            assert response.status_code == 200
        return counter.count

    site.create(assetid=assets[0]["assetid"], locations=[{"locationid": bay}])
    few = statements()
    for asset in assets[1:]:
        site.create(assetid=asset["assetid"], locations=[{"locationid": bay}])
    reply = site.admin.get(ACTIVE, query_string={"locationid": bay}).get_json()["data"]
    linked = {row["asset"]["assetnumber"] for row in reply if row["asset"]}
    assert linked >= {asset["assetnumber"] for asset in assets}
    assert statements() == few
