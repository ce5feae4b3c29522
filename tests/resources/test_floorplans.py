"""Floor plans of locations and pictures of models: uploaded through the
write path (validated, audited), stored under generated names in the
instance folder, served only from the image folders with sandboxing headers;
a refused upload leaves the row and the folder as they were."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import EDITOR, VIEWER, AuditLog, Location
from shopdb.services.images import MAXBYTES_SETTING
from tests.imagefiles import EVIL_SVG, EVIL_WORDS, jpeg, png, svg, zip_archive

pytestmark = pytest.mark.database


def files(app, folder: str = "floorplans") -> set[str]:
    path = Path(app.config["SHOPDB_INSTANCE_PATH"]) / folder
    return {item.name for item in path.iterdir()} if path.is_dir() else set()


def send(caller, url: str, data: bytes, filename: str):
    return caller.request(
        "PUT",
        url,
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def location(callers):
    admin = callers["admin"]
    kind = admin.post("/api/locationtypes", json={"locationtype": "hall"}).get_json()["data"]
    hall = callers[EDITOR].post(
        "/api/locations", json={"name": "Hall 1", "locationtypeid": kind["locationtypeid"]}
    )
    assert hall.status_code == 201, hall.get_json()
    return hall.get_json()["data"]


def audit(app, entitytype: str, itemid: int) -> list[tuple[str, dict | None]]:
    with app.app_context():
        rows = get_session().scalars(
            select(AuditLog)
            .where(AuditLog.entitytype == entitytype, AuditLog.entityid == str(itemid))
            .order_by(AuditLog.auditlogid)
        )
        return [(row.action, row.changes) for row in rows]


def test_upload_serve_replace_and_remove_a_floor_plan(app, callers, location):
    editor = callers[EDITOR]
    url = f"/api/locations/{location['locationid']}/floorplan"
    assert editor.get(url).status_code == 404

    response = send(editor, url, svg(1600, 1000), "hall.svg")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    (name,) = files(app)
    assert data["floorplanimage"] == f"floorplans/{name}"
    assert (data["floorplanwidth"], data["floorplanheight"]) == (1600, 1000)
    assert len(name) == 36 and name.endswith(".svg")  # generated, not the client's
    # The reply is the record's own, as a PATCH gives it: lookups named too.
    assert data["locationtype"] == {"id": location["locationtypeid"], "name": "hall"}
    assert data == editor.get(f"/api/locations/{location['locationid']}").get_json()["data"]

    served = callers[VIEWER].get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/svg+xml"
    assert served.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in served.headers["Cache-Control"]
    assert "max-age=" in served.headers["Cache-Control"]
    etag = served.headers["ETag"]
    assert name in etag
    again = callers[VIEWER].get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""

    response = send(editor, url, png(40, 30), "hall.png")
    assert response.status_code == 200
    assert (response.get_json()["data"]["floorplanwidth"], len(files(app))) == (40, 1)
    (replacement,) = files(app)
    assert replacement != name and replacement.endswith(".png")  # the old one went
    assert editor.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert editor.get(url).get_data() == png(40, 30)

    assert editor.delete(url).status_code == 204
    assert files(app) == set()
    shown = editor.get(f"/api/locations/{location['locationid']}").get_json()["data"]
    assert shown["floorplanimage"] is None and shown["floorplanwidth"] is None
    assert editor.get(url).status_code == 404
    assert editor.delete(url).status_code == 404

    changes = [changes for action, changes in audit(app, "locations", location["locationid"])]
    assert changes[1]["floorplanimage"]["after"] == f"floorplans/{name}"
    assert changes[2]["floorplanimage"] == {
        "before": f"floorplans/{name}",
        "after": f"floorplans/{replacement}",
    }
    assert changes[3]["floorplanimage"]["after"] is None


def test_a_model_picture(app, callers):
    editor = callers[EDITOR]
    vendor = editor.post("/api/vendors", json={"vendor": "DMG"}).get_json()["data"]
    model = editor.post(
        "/api/models", json={"modelnumber": "DMU 50", "vendorid": vendor["vendorid"]}
    ).get_json()["data"]
    url = f"/api/models/{model['modelid']}/picture"
    response = send(editor, url, jpeg(64, 48), "dmu.JPG")
    assert response.status_code == 200, response.get_json()
    (name,) = files(app, "pictures")
    assert response.get_json()["data"]["imageurl"] == f"pictures/{name}"
    served = editor.get(url)
    assert (served.mimetype, served.get_data()) == ("image/jpeg", jpeg(64, 48))
    # Deleting the model takes its file along once the delete commits.
    assert editor.delete(f"/api/models/{model['modelid']}").status_code == 204
    assert files(app, "pictures") == set()


def test_a_web_address_picture_is_not_fetched(callers):
    editor = callers[EDITOR]
    vendor = editor.post("/api/vendors", json={"vendor": "DMG"}).get_json()["data"]
    body = {
        "modelnumber": "DMU 65",
        "vendorid": vendor["vendorid"],
        "imageurl": "https://images.example.com/dmu.png",
    }
    model = editor.post("/api/models", json=body).get_json()["data"]
    response = editor.get(f"/api/models/{model['modelid']}/picture")
    assert response.status_code == 404
    assert "https://images.example.com/dmu.png" in response.get_json()["data"]["error"]["message"]


def test_who_may_upload_and_read(app, callers, location):
    url = f"/api/locations/{location['locationid']}/floorplan"
    assert send(callers[VIEWER], url, png(), "a.png").status_code == 403
    assert send(callers[None], url, png(), "a.png").status_code == 401
    assert callers[VIEWER].delete(url).status_code == 403
    assert (
        send(callers[EDITOR], "/api/locations/999999/floorplan", png(), "a.png").status_code == 404
    )
    assert callers[EDITOR].get("/api/locations/999999/floorplan").status_code == 404
    assert files(app) == set()
    assert send(callers[EDITOR], url, png(), "a.png").status_code == 200
    assert callers[None].get(url).status_code == 401
    admin = callers["admin"]
    settings = {row["setting"]: row for row in admin.get("/api/settings").get_json()["data"]}
    flag = settings["security.allowanonymousread"]["settingid"]
    assert admin.patch(f"/api/settings/{flag}", json={"value": True}).status_code == 200
    assert callers[None].get(url).status_code == 200
    assert send(callers[None], url, png(), "a.png").status_code == 401


def unchanged(app, callers, location) -> None:
    """Nothing half written: the row as it was, no file in the folder."""
    row = callers[EDITOR].get(f"/api/locations/{location['locationid']}").get_json()["data"]
    assert (row["floorplanimage"], row["floorplanwidth"]) == (None, None)
    assert files(app) == set()
    assert [action for action, _ in audit(app, "locations", location["locationid"])] == ["create"]


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (png() + zip_archive(), "plan.png", "after its IEND"),
        (png() + b"<html><script>alert(1)</script></html>", "plan.png", "after its IEND"),
        (png(), "plan.jpg", "'plan.jpg' ends in '.jpg'"),
        (b"<html><body>no</body></html>", "plan.svg", "not a PNG, JPEG or SVG"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(app, callers, location, data, filename, words):
    url = f"/api/locations/{location['locationid']}/floorplan"
    response = send(callers[EDITOR], url, data, filename)
    assert response.status_code == 400
    error = response.get_json()["data"]["error"]
    assert words in error["message"] and "file" in error["details"]
    unchanged(app, callers, location)


def test_an_svg_is_stored_safe(app, callers, location):
    url = f"/api/locations/{location['locationid']}/floorplan"
    response = send(callers[EDITOR], url, EVIL_SVG, "evil.svg")
    assert response.status_code == 200, response.get_json()
    (name,) = files(app)
    stored = (Path(app.config["SHOPDB_INSTANCE_PATH"]) / "floorplans" / name).read_bytes()
    for word in EVIL_WORDS:
        assert word not in stored, word
    assert callers[EDITOR].get(url).get_data() == stored


def test_an_oversized_image_is_413_and_stores_nothing(app, callers, location):
    admin = callers["admin"]
    settings = {row["setting"]: row for row in admin.get("/api/settings").get_json()["data"]}
    limit = settings[MAXBYTES_SETTING]
    assert (
        admin.patch(f"/api/settings/{limit['settingid']}", json={"value": 2048}).status_code == 200
    )
    url = f"/api/locations/{location['locationid']}/floorplan"
    big = svg(body="<!--" + "x" * 4000 + "-->")
    response = send(callers[EDITOR], url, big, "big.svg")
    assert response.status_code == 413
    unchanged(app, callers, location)
    assert send(callers[EDITOR], url, svg(), "small.svg").status_code == 200


def test_only_image_folders_are_served_or_named(app, callers, location):
    """A path typed into the JSON field: refused unless inside floorplans/;
    and a file there that is not an image is not served."""
    editor = callers[EDITOR]
    itemid = location["locationid"]
    for path in ("shopdb.db", "pictures/a.png", "measuringtools/certificates/x.pdf"):
        response = editor.patch(f"/api/locations/{itemid}", json={"floorplanimage": path})
        assert response.status_code == 400, path
        assert "floorplans/" in str(response.get_json()["data"]["error"]["details"])
    folder = Path(app.config["SHOPDB_INSTANCE_PATH"]) / "floorplans"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("<html><script>alert(1)</script></html>")
    response = editor.patch(
        f"/api/locations/{itemid}", json={"floorplanimage": "floorplans/notes.txt"}
    )
    assert response.status_code == 200
    refused = editor.get(f"/api/locations/{itemid}/floorplan")
    assert refused.status_code == 404
    assert "no PNG, JPEG or SVG image" in refused.get_json()["data"]["error"]["message"]
    (folder / "drawn.svg").write_bytes(svg())  # a plan a site put there by hand
    editor.patch(f"/api/locations/{itemid}", json={"floorplanimage": "floorplans/drawn.svg"})
    served = editor.get(f"/api/locations/{itemid}/floorplan")
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"


def test_a_deleted_location_takes_its_plan_along(app, callers, location):
    itemid = location["locationid"]
    assert (
        send(callers[EDITOR], f"/api/locations/{itemid}/floorplan", png(), "a.png").status_code
        == 200
    )
    assert len(files(app)) == 1
    assert callers[EDITOR].delete(f"/api/locations/{itemid}").status_code == 204
    assert files(app) == set()
    with app.app_context():
        assert get_session().get(Location, itemid) is None
