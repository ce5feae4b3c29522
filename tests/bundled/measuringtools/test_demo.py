"""`shopdb seed --demo` with the measuringtools plugin: the demo's 29
measuring tools become instruments with calibration histories, some due
soon and some overdue, and a second run adds nothing; and the core asset
endpoint points to the plugin for the type it owns."""

from __future__ import annotations

import pytest

from tests.bundled.measuringtools.conftest import URL, Site
from tests.collectors.conftest import run

pytestmark = pytest.mark.database

DEMO_INSTRUMENTS = 29


@pytest.fixture(scope="module")
def demo(site: Site) -> tuple[str, list[dict]]:
    output = run(site.app, "seed", "--demo").output
    reply = site.admin.get(URL, query_string={"perpage": 500, "q": "MT-5"}).get_json()
    return output, [row for row in reply["data"] if row["assetnumber"].startswith("MT-5")]


def test_seed_demo_makes_real_instruments_once(site: Site, demo):
    output, rows = demo
    assert f"measuringtools: Added {DEMO_INSTRUMENTS} measuring tools" in output
    assert len(rows) == DEMO_INSTRUMENTS
    states = {row["calibrationstate"] for row in rows if row["isactive"]}
    assert {"ok", "duesoon", "overdue", "outofservice"} <= states
    assert all(row["instrumenttypeid"] and row["nextduedate"] for row in rows)
    cmm = next(row for row in rows if row["name"].startswith("CONTURA"))
    detail = site.admin.get(f"{URL}/{cmm['assetid']}").get_json()["data"]
    assert detail["measurementsoftware"].startswith("ZEISS CALYPSO")
    assert len(detail["calibrations"]) >= 3
    assert {row["performedby"] for row in detail["calibrations"]} == {"lab"}
    retired = [row for row in rows if not row["isactive"]]
    assert retired and all(row["calibrationstate"] == "outofservice" for row in retired)

    again = run(site.app, "seed", "--demo").output
    assert "measuringtools: nothing to add." in again


def test_an_overdue_demo_gauge_shows_on_its_machine(site: Site, demo):
    _, rows = demo
    banners = []
    for row in rows:
        detail = site.admin.get(f"{URL}/{row['assetid']}").get_json()["data"]
        for edge in detail["relationships"]["outgoing"]:
            if edge["relationshiptype"] == "partof" and edge["isactive"]:
                reply = site.admin.get(f"{URL}/banner/{edge['asset']['assetid']}")
                banners.append((row["calibrationstate"], reply.get_json()["data"]["show"]))
    assert ("overdue", True) in banners
    assert all(show == (state in ("overdue", "outofservice")) for state, show in banners)


def test_creating_a_measuring_tool_as_a_plain_asset_points_here(site: Site):
    types = site.admin.get("/api/assettypes", query_string={"assettype": "measuringtool"})
    (assettype,) = types.get_json()["data"]
    response = site.editor.post(
        "/api/assets",
        json={
            "assetnumber": "MT-PLAIN-1",
            "assettypeid": assettype["assettypeid"],
            "assetstatusid": 1,
        },
    )
    assert response.status_code == 400
    message = response.get_json()["data"]["error"]["details"]["assettypeid"][0]
    assert "/api/measuringtools" in message and "measuringtools" in message
