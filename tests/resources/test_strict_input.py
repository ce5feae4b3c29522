"""Bodies are read as strictly as the OpenAPI document describes them."""

from __future__ import annotations

import pytest

from shopdb.models import EDITOR
from shopdb.testing.clients import make_callers

pytestmark = pytest.mark.database


@pytest.fixture
def callers(app):
    return make_callers(app)


@pytest.mark.parametrize("value", ["yes", "off", "true", 1, 0, 0.0, None])
def test_a_boolean_field_takes_only_true_or_false(callers, value):
    response = callers[EDITOR].post("/api/vendors", json={"vendor": "x", "isactive": value})
    assert response.status_code == 400, response.get_json()
    details = response.get_json()["data"]["error"]["details"]
    assert "isactive" in details


@pytest.mark.parametrize("value", [True, False])
def test_json_booleans_still_work(callers, value):
    response = callers[EDITOR].post("/api/vendors", json={"vendor": "x", "isactive": value})
    assert response.status_code == 201
    assert response.get_json()["data"]["isactive"] is value


def test_query_strings_keep_their_documented_booleans(callers):
    for value in ("true", "false", "1", "0"):
        assert callers[EDITOR].get(f"/api/vendors?isactive={value}").status_code == 200


# Image and file addresses -----------------------------------------------------

BAD_FILES = [
    "../../etc/passwd",
    "/etc/passwd",
    "file:///etc/passwd",
    "floorplans/../x",
    ".hidden",
    "shopdb.db",
    "uploads/m1.png",
]


@pytest.fixture
def location_type(callers):
    response = callers["admin"].post("/api/locationtypes", json={"locationtype": "test hall type"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["locationtypeid"]


@pytest.mark.parametrize("path", BAD_FILES)
def test_a_floor_plan_is_a_stored_file_only(callers, location_type, path):
    body = {"name": "Hall", "locationtypeid": location_type, "floorplanimage": path}
    response = callers["admin"].post("/api/locations", json=body)
    assert response.status_code == 400
    assert "floorplanimage" in response.get_json()["data"]["error"]["details"]


def test_a_stored_floor_plan_is_taken(callers, location_type):
    body = {"name": "Hall", "locationtypeid": location_type, "floorplanimage": "floorplans/a.svg"}
    response = callers["admin"].post("/api/locations", json=body)
    assert response.status_code == 201
    assert response.get_json()["data"]["floorplanimage"] == "floorplans/a.svg"


@pytest.fixture
def vendor(callers):
    return callers[EDITOR].post("/api/vendors", json={"vendor": "Acme"}).get_json()["data"]


@pytest.mark.parametrize(
    "url",
    [*BAD_FILES, "javascript:alert(1)", "data:image/png;base64,AAAA", "https://", "http:/x"],
)
def test_a_model_image_is_a_web_url_or_a_stored_file(callers, vendor, url):
    body = {"modelnumber": "M1", "vendorid": vendor["vendorid"], "imageurl": url}
    response = callers[EDITOR].post("/api/models", json=body)
    assert response.status_code == 400, response.get_json()
    assert "imageurl" in response.get_json()["data"]["error"]["details"]


@pytest.mark.parametrize("url", ["https://images.example.com/m1.png", "pictures/m1.png"])
def test_good_model_images_are_taken(callers, vendor, url):
    body = {"modelnumber": "M1", "vendorid": vendor["vendorid"], "imageurl": url}
    response = callers[EDITOR].post("/api/models", json=body)
    assert response.status_code == 201, response.get_json()
