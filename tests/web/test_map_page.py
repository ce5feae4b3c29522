"""The floor map page's frame (its script and data are the browser tests'
and the API's): who sees it, with which controls, and its links."""

from __future__ import annotations

from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import Location


def location_id(app, name: str) -> int:
    with app.app_context():
        return get_session().scalar(select(Location.locationid).where(Location.name == name))


def test_editors_get_the_edit_controls_viewers_only_the_map(demo_app, browser_of):
    bay = location_id(demo_app, "Bay A1")
    editor = browser_of("editor").get(f"/locations/{bay}/map").get_data(True)
    assert f'data-map-url="/api/locations/{bay}/map"' in editor
    assert 'data-testid="mapedit"' in editor and 'data-testid="mapundo"' in editor
    assert "vendor/leaflet/leaflet.js" in editor and "map.js" in editor
    assert "<script>" not in editor  # the page's script is a file (CSP)
    viewer = browser_of("viewer").get(f"/locations/{bay}/map")
    assert viewer.status_code == 200
    assert 'data-testid="mapedit"' not in viewer.get_data(True)
    detail = browser_of("viewer").get(f"/locations/{bay}").get_data(True)
    assert f'href="/locations/{bay}/map"' in detail
    assert "Content-Security-Policy" in viewer.headers


def test_unknown_locations_and_signed_out_callers(demo_app, browser_of):
    assert browser_of("viewer").get("/locations/999999/map").status_code == 404
    signed_out = demo_app.test_client().get("/locations/1/map")
    assert signed_out.status_code == 303 and "/signin" in signed_out.headers["Location"]
    first = browser_of("viewer").get("/map")
    plant = location_id(demo_app, "Plant 1")
    assert first.status_code == 302 and first.headers["Location"] == f"/locations/{plant}/map"
