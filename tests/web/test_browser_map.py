"""The floor map page in a real browser (Debian's chromium through Playwright,
on the demo site): the three placement styles, an editor dragging a marker
(stored and audited, found again after a reload), undo, placing an asset
from the unplaced list, and a viewer who cannot drag. Uses the fixtures of
tests/web/conftest.py; marked `browser`."""

from __future__ import annotations

import re

from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import Asset, AssetRelationship, Location
from tests.web import test_browser as base
from tests.web.conftest import csrf

pytestmark = base.pytestmark
shot = base.shot


def location_id(app, name: str) -> int:
    with app.app_context():
        return get_session().scalar(select(Location.locationid).where(Location.name == name))


def api(client, method: str, url: str, **options):
    headers = {"X-CSRF-TOKEN": csrf(client), "Accept": "application/json"}
    return client.open(url, method=method, headers=headers, **options)


def own_position(admin, assetid: int) -> tuple:
    data = api(admin, "GET", f"/api/assets/{assetid}").get_json()["data"]
    return data["mapx"], data["mapy"]


def saved(page, text: str) -> None:
    page.wait_for_function(
        "text => document.querySelector('[data-map-status]').textContent.includes(text)",
        arg=text,
    )


def marker_centre(page, assetid: int) -> tuple[float, float]:
    box = page.locator(f".sdb-asset-{assetid}").bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_an_editor_drags_a_marker_undoes_it_and_places_an_unplaced_asset(
    page_of, browser_of, demo_app
):
    bay = location_id(demo_app, "Bay A1")
    admin = browser_of("admin")
    reply = api(admin, "GET", f"/api/locations/{bay}/map").get_json()["data"]
    moved = next(a for a in reply["assets"] if a["rule"] == "asset" and a["isdraggable"])
    follower = next(a for a in reply["assets"] if a["rule"] == "related")
    before = own_position(admin, moved["assetid"])

    page = page_of("editor", viewport={"width": 1280, "height": 1500})
    page.goto(f"/locations/{bay}/map")
    saved(page, "assets on this map")
    assert page.locator(".leaflet-image-layer").count() == 1
    page.click("[data-testid=mapedit]")
    # Unclustered while editing: every placed asset has its marker, in its style.
    placed = [a for a in reply["assets"] if a["rule"]]
    assert page.locator("#floormap .sdb-marker").count() == len(placed)
    for rule in ("asset", "related", "location"):
        assert page.locator(f"#floormap .sdb-marker.sdb-rule-{rule}").count() == sum(
            a["rule"] == rule for a in placed
        )
    assert page.locator(f".sdb-asset-{follower['assetid']}.sdb-draggable").count() == 0
    assert page.locator(f".sdb-asset-{moved['assetid']}.sdb-draggable").count() == 1
    page.locator(f".sdb-asset-{follower['assetid']}").click()
    assert "Follows" in page.locator(".leaflet-popup-content").inner_text()
    page.keyboard.press("Escape")
    shot(page, "map-edit", full=False)

    x, y = marker_centre(page, moved["assetid"])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=8)
    page.mouse.up()
    saved(page, "now stands at")
    after = own_position(admin, moved["assetid"])
    assert after != before and None not in after
    audit = api(
        admin, "GET", f"/api/auditlogs?entitytype=assets&entityid={moved['assetid']}&action=update"
    ).get_json()["data"]
    assert audit and audit[0]["username"] == "editor"
    assert audit[0]["changes"]["mapx"]["after"] == after[0]

    page.reload()
    saved(page, "assets on this map")
    page.click("[data-testid=mapedit]")
    x2, y2 = marker_centre(page, moved["assetid"])
    assert abs(x2 - x - 40) < 3 and abs(y2 - y - 30) < 3
    # Undo is one step and survives no reload: move again, then undo that move.
    page.mouse.move(x2, y2)
    page.mouse.down()
    page.mouse.move(x2 - 25, y2 + 10, steps=8)
    page.mouse.up()
    saved(page, "now stands at")
    page.click("[data-testid=mapundo]")
    saved(page, "Undone")
    assert own_position(admin, moved["assetid"]) == after
    assert page.locator("[data-testid=mapundo]").is_disabled()

    # An asset with no position, in a location with none whose parent's is on
    # the site plan, is unplaced on the building's map: listed, then placed.
    hall = location_id(demo_app, "Building A")
    corner = api(
        admin,
        "POST",
        "/api/locations",
        json={"name": "Map test corner", "parentlocationid": hall, "locationtypeid": 1},
    )
    assert corner.status_code == 201, corner.get_json()
    cornerid = corner.get_json()["data"]["locationid"]
    with demo_app.app_context():
        sources = select(AssetRelationship.sourceassetid)
        targets = select(AssetRelationship.targetassetid)
        loose = get_session().scalar(
            select(Asset.assetid).where(
                Asset.assetid.not_in(sources),
                Asset.assetid.not_in(targets),
                Asset.mapx.is_not(None),
                Asset.locationid == bay,
            )
        )
    old = api(admin, "GET", f"/api/assets/{loose}").get_json()["data"]
    try:
        changed = api(
            admin,
            "PATCH",
            f"/api/assets/{loose}",
            json={"locationid": cornerid, "mapx": None, "mapy": None},
        )
        assert changed.status_code == 200, changed.get_json()
        page.goto(f"/locations/{hall}/map")
        saved(page, "assets on this map")
        page.click("[data-testid=mapedit]")
        button = page.locator(f"[data-place='{loose}']")
        assert button.is_enabled()
        button.click()
        box = page.locator("#floormap").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        saved(page, "now stands at")
        assert None not in own_position(admin, loose)
        assert page.locator(f"[data-place='{loose}']").count() == 0
        assert page.locator(f".sdb-asset-{loose}.sdb-rule-asset").count() == 1
    finally:
        restore = {key: old[key] for key in ("locationid", "mapx", "mapy")}
        assert api(admin, "PATCH", f"/api/assets/{loose}", json=restore).status_code == 200
        assert api(admin, "DELETE", f"/api/locations/{cornerid}").status_code == 204
        assert (
            api(
                admin,
                "PATCH",
                f"/api/assets/{moved['assetid']}",
                json={"mapx": before[0], "mapy": before[1]},
            ).status_code
            == 200
        )


def test_a_viewer_sees_the_map_but_cannot_move_anything(page_of, demo_app):
    building = location_id(demo_app, "Building A")
    page = page_of("viewer")
    page.goto(f"/locations/{building}")
    page.click("[data-testid=floormap]")
    saved(page, "assets on this map")
    assert re.search(rf"/locations/{building}/map$", page.url)
    assert page.locator("[data-testid=mapedit]").count() == 0
    assert page.locator(".marker-cluster, .sdb-marker").count() > 0
    assert page.locator(".leaflet-marker-draggable, .sdb-draggable").count() == 0
    assert page.locator("[data-place]").count() == 0
    assert page.locator("[data-testid=mapregions] a").count() >= 4  # the bays
    status = page.evaluate(
        """() => fetch('/api/assets/1', {method: 'PATCH', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'X-CSRF-TOKEN':
                JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-TOKEN']},
              body: JSON.stringify({mapx: 1, mapy: 1})}).then(r => r.status)"""
    )
    assert status == 403
    shot(page, "map-viewer", full=False)
