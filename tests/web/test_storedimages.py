"""Floor plans and model pictures on the detail pages of the demo site:
shown (own, or inherited from the location above with a link), uploaded,
replaced and removed through forms with the CSRF field, by editors only."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import Location, ProductModel
from tests.imagefiles import png, svg
from tests.web.conftest import csrf
from tests.web.htmlforms import read_form


def bay_and_building(demo_app) -> tuple[Location, Location]:
    """A demo location without a plan of its own whose parent has one."""
    with demo_app.app_context():
        session = get_session()
        for location in session.scalars(select(Location).order_by(Location.locationid)):
            parent = location.parent
            if location.floorplanimage is None and parent is not None and parent.floorplanimage:
                session.expunge_all()
                return location, parent
    raise AssertionError("the demo has no location inheriting a plan")


def thumbnail(html: str, route: str) -> str:
    found = re.search(rf'<img src="([^"]+)"[^>]*data-testid="image-{route}-thumbnail"', html)
    assert found, html[-4000:]
    return found.group(1).replace("&amp;", "&")


def upload(client, path: str, data: bytes, filename: str):
    return client.post(
        path,
        data={"csrf_token": csrf(client), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_plan_is_inherited_uploaded_replaced_and_removed(demo_app, browser_of):
    bay, building = bay_and_building(demo_app)
    editor = browser_of("editor")
    html = editor.get(f"/locations/{bay.locationid}").get_data(True)
    assert "Inherited from" in html
    assert f'href="/locations/{building.locationid}" data-testid="image-floorplan-owner"' in html
    source = thumbnail(html, "floorplan")
    assert source.startswith(f"/api/locations/{building.locationid}/floorplan?v=")
    served = editor.get(source)
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"

    form = f"/locations/{bay.locationid}/images/floorplan"
    response = upload(editor, form, png(1, 1) + b"PK\x03\x04", "bay.png")
    assert response.status_code == 303
    page = editor.get(response.headers["Location"]).get_data(True)
    assert "data after its IEND chunk" in page and "Inherited from" in page
    assert upload(editor, form, svg(640, 480), "bay.svg").status_code == 303
    page = editor.get(f"/locations/{bay.locationid}").get_data(True)
    assert "Its own floor plan" in page and "640 x 480 pixels" in page
    source = thumbnail(page, "floorplan")
    assert source.startswith(f"/api/locations/{bay.locationid}/floorplan?v=")
    assert editor.get(source).get_data().startswith(b"<?xml")
    # The edit form has no plan field, and saving it keeps the plan.
    edit = editor.get(f"/locations/{bay.locationid}/edit").get_data(True)
    assert 'name="floorplanimage"' not in edit
    form_values = read_form(edit)
    form_values["notes"] = "plan kept"
    assert editor.post(f"/locations/{bay.locationid}/edit", data=form_values).status_code == 303
    kept = editor.get(f"/api/locations/{bay.locationid}").get_json()["data"]
    assert kept["notes"] == "plan kept" and kept["floorplanimage"].startswith("floorplans/")
    assert kept["floorplanwidth"] == 640
    restored = editor.patch(
        f"/api/locations/{bay.locationid}",
        json={"notes": bay.notes},
        headers={"X-CSRF-TOKEN": csrf(editor)},
    )
    assert restored.status_code == 200, restored.get_json()

    viewer = browser_of("viewer")
    shown = viewer.get(f"/locations/{bay.locationid}").get_data(True)
    assert "Its own floor plan" in shown and 'data-testid="image-floorplan-upload"' not in shown
    assert upload(viewer, form, svg(), "x.svg").status_code == 403
    removed = editor.post(f"{form}/delete", data={"csrf_token": csrf(editor)})
    assert removed.status_code == 303
    assert "Inherited from" in editor.get(f"/locations/{bay.locationid}").get_data(True)
    folder = Path(demo_app.config["SHOPDB_INSTANCE_PATH"]) / "floorplans"
    assert not [name for name in (p.name for p in folder.iterdir()) if len(name) == 36]


def test_a_model_picture_on_its_page(demo_app, browser_of):
    with demo_app.app_context():
        model = get_session().scalars(select(ProductModel).limit(1)).one()
        modelid = model.modelid
    editor = browser_of("editor")
    form = f"/models/{modelid}/images/picture"
    assert upload(editor, form, png(8, 6), "model.png").status_code == 303
    page = editor.get(f"/models/{modelid}").get_data(True)
    source = thumbnail(page, "picture")
    assert editor.get(source).get_data() == png(8, 6)
    assert editor.post(f"{form}/delete", data={"csrf_token": csrf(editor)}).status_code == 303
    assert "No picture." in editor.get(f"/models/{modelid}").get_data(True)
    with demo_app.app_context():
        assert get_session().get(ProductModel, modelid).imageurl is None


def test_where_pages_load_a_stored_image():
    from shopdb.api import model_picture_url
    from shopdb.resources.core.reference import FLOORPLAN

    plan = Location(locationid=4, floorplanimage="floorplans/abc.svg")
    assert FLOORPLAN.shown_at("locations", "locationid", plan) == (
        "/api/locations/4/floorplan?v=abc.svg"
    )
    assert FLOORPLAN.shown_at("locations", "locationid", Location(locationid=5)) is None
    assert model_picture_url(ProductModel(modelid=2, imageurl="pictures/p.png")) == (
        "/api/models/2/picture?v=p.png"
    )
    web = "https://images.example.com/dmu.png"
    assert model_picture_url(ProductModel(modelid=3, imageurl=web)) == web
    assert model_picture_url(None) is None
