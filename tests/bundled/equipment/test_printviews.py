"""The equipment badge and the core's asset labels, rendered on the server,
with every barcode and QR code read back by a real decoder (rsvg-convert and
zbarimg); plus what the label route refuses."""

from __future__ import annotations

import re
import uuid

import pytest

from shopdb.database import get_database
from shopdb.testing.codes import decode_all, svgs
from shopdb.testing.databases import count_queries
from tests.bundled.equipment.conftest import Site, machinenumber

pytestmark = pytest.mark.database


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def machines(site: Site) -> list[dict]:
    vendor = site.editor.post("/api/vendors", json={"vendor": unique("DMG MORI")})
    vendorid = vendor.get_json()["data"]["vendorid"]
    web = site.editor.post(
        "/api/models",
        json={
            "vendorid": vendorid,
            "modelnumber": unique("DMU 65"),
            "imageurl": "https://images.example.com/dmu65.png",
        },
    ).get_json()["data"]
    stored = site.editor.post(
        "/api/models",
        json={"vendorid": vendorid, "modelnumber": unique("NLX"), "imageurl": "pictures/ab12.png"},
    ).get_json()["data"]
    rows = []
    for model, name in ((web, "DMU 65 monoBLOCK"), (stored, "NLX 2500"), (None, "Saw")):
        values = {
            "machinenumber": machinenumber(),
            "name": name,
            "serialnumber": f"SN-{uuid.uuid4().hex[:6]}",
            "equipmenttypeid": site.lookup("equipmenttypes", "5-axis mill"),
            "controllertypeid": site.lookup("controllertypes", "Heidenhain TNC640"),
        }
        if model:
            values |= {"vendorid": vendorid, "modelid": model["modelid"]}
        reply = site.editor.post("/api/equipment", json=values)
        assert reply.status_code == 201, reply.get_json()
        rows.append(reply.get_json()["data"] | {"model": model})
    return rows


def ids(rows: list[dict]) -> str:
    return ",".join(str(row["assetid"]) for row in rows)


def test_a_badge_per_machine_with_its_barcode_picture_and_facts(site, machines):
    response = site.callers["viewer"].get(
        "/print/equipment/badge", query_string={"ids": ids(machines)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script" not in html and "@media print" in html
    # One Code 128 per badge, in the order asked, read back as the machine number.
    assert decode_all(html) == [machine["machinenumber"] for machine in machines]
    assert all('class="barcode"' in svg for svg in svgs(html))
    pictures = re.findall(r'<img class="picture" src="([^"]+)"', html)
    assert pictures == [
        "https://images.example.com/dmu65.png",
        f"/api/models/{machines[1]['model']['modelid']}/picture?v=ab12.png",
    ]
    for machine in machines:
        assert machine["serialnumber"] in html and machine["name"] in html
    assert "5-axis mill" in html and "Heidenhain TNC640" in html


def test_asset_labels_on_each_sheet_hold_the_asset_page(site, machines):
    first, second, third = (row["assetid"] for row in machines)
    cases = (
        (
            "l7160",
            4,
            [[("used", slot) for slot in range(4)] + [(first, 4), (second, 5), (third, 6)]],
        ),
        (
            "5160",
            29,
            [[("used", slot) for slot in range(29)] + [(first, 29)], [(second, 0), (third, 1)]],
        ),
    )
    for sheet, offset, expected in cases:
        query = {"ids": ids(machines), "sheet": sheet, "offset": str(offset)}
        response = site.editor.get("/print/assets/labels", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        html = response.get_data(as_text=True)
        assert decode_all(html) == [f"http://localhost/assets/{row['assetid']}" for row in machines]
        for machine in machines:
            assert machine["assetnumber"] in html
        assert [placed(page) for page in html.split('class="sheetpage"')[1:]] == expected


def placed(page: str) -> list[tuple[int | str, int]]:
    """(assetid or "used", slot) of each label drawn on a page, in order."""
    found = re.findall(r'class="slot s(\d+)(?: (used)"|" data-assetid="(\d+)")', page)
    return [("used" if used else int(assetid), int(slot)) for slot, used, assetid in found]


def test_what_the_label_route_refuses(site, machines):
    known = str(machines[0]["assetid"])

    def error(**query: str) -> tuple[int, str]:
        reply = site.editor.get("/print/assets/labels", query_string=query)
        return reply.status_code, reply.get_json()["data"]["error"]["message"]

    status, message = error(ids=known, sheet="l9999")
    assert status == 400 and "l7160" in message and "5160" in message
    status, message = error(ids=known, sheet="5160", offset="30")
    assert status == 400 and "0 to 29" in message
    assert error(ids=known, offset="-1")[0] == 400
    status, message = error(ids=f"{known},999998,999999")
    assert status == 404 and "999998, 999999" in message
    status, message = error(ids=",".join(str(number) for number in range(1, 502)))
    assert status == 400 and "at most 500" in message
    assert (
        site.callers[None].get("/print/assets/labels", query_string={"ids": known}).status_code
        == 401
    )


def test_a_machine_number_code_128_cannot_hold_still_gets_its_badge(site, machines):
    values = {
        "machinenumber": f"M\u00c4-{uuid.uuid4().hex[:6]}",
        "equipmenttypeid": site.lookup("equipmenttypes", "5-axis mill"),
    }
    reply = site.editor.post("/api/equipment", json=values)
    assert reply.status_code == 201, reply.get_json()
    both = f"{reply.get_json()['data']['assetid']},{machines[0]['assetid']}"
    html = site.editor.get("/print/equipment/badge", query_string={"ids": both}).get_data(True)
    assert "No barcode: Code 128 holds printable ASCII only" in html
    assert values["machinenumber"] in html
    assert decode_all(html) == [machines[0]["machinenumber"]]


def test_statements_do_not_grow_with_the_number_printed(site, machines):
    def statements(path: str, rows: list[dict]) -> int:
        with count_queries(get_database(site.app).engine) as counter:
            reply = site.editor.get(path, query_string={"ids": ids(rows)})
        assert reply.status_code == 200
        return counter.count

    for path in ("/print/equipment/badge", "/print/assets/labels"):
        assert statements(path, machines[:1]) == statements(path, machines), path
