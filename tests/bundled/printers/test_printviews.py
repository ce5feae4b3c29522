"""The printers plugin's print views: a QR label per printer and a sheet
for a selection, rendered on the server, with codes read back by a real
decoder; plus what the print-view route refuses."""

from __future__ import annotations

import pytest

from shopdb.testing.codes import decode_all, svgs
from tests.bundled.printers.conftest import hostname

pytestmark = pytest.mark.database


@pytest.fixture(scope="module")
def printers(site) -> list[dict]:
    rows = []
    for number in range(3):
        response = site.editor.post(
            "/api/printers",
            json={
                "hostname": hostname(),
                "ipaddress": f"10.30.9.{number + 1}",
                "queuename": f"QUEUE-{number}",
                "printertype": "laser",
            },
        )
        assert response.status_code == 201, response.get_json()
        rows.append(response.get_json()["data"])
    return rows


def page(site, view: str, ids: list[int], caller: str | None = "viewer"):
    query = {"ids": ",".join(str(each) for each in ids)}
    return site.callers[caller].get(f"/print/printers/{view}", query_string=query)


def test_a_single_qr_label_holds_the_printers_page(site, printers):
    printer = printers[0]
    response = page(site, "qr", [printer["assetid"]])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    assert "<script" not in html and "@media print" in html
    assert printer["hostname"] in html and "10.30.9.1" in html and "QUEUE-0" in html
    assert decode_all(html) == [f"http://localhost/printers/{printer['assetid']}"]


def test_a_sheet_for_a_selection_keeps_the_order_asked(site, printers):
    ids = [printers[2]["assetid"], printers[0]["assetid"], printers[2]["assetid"]]
    response = page(site, "qrsheet", ids)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert decode_all(html) == [
        f"http://localhost/printers/{printers[2]['assetid']}",
        f"http://localhost/printers/{printers[0]['assetid']}",
    ]
    assert "2 records" in html


def test_what_the_print_route_refuses(site, printers):
    known = printers[0]["assetid"]
    assert page(site, "qr", [known], caller=None).status_code == 401
    missing = page(site, "qr", [known, 999999])
    assert missing.status_code == 404
    assert "No printer has the id(s) 999999" in missing.get_json()["data"]["error"]["message"]
    unknown = site.editor.get("/print/printers/badge", query_string={"ids": known})
    assert unknown.status_code == 404
    assert "/print/printers/qr" in unknown.get_json()["data"]["error"]["message"]
    for ids in ("", "1,x", "0", "-3", "\u00b2", "99999999999"):
        bad = site.editor.get("/print/printers/qr", query_string={"ids": ids})
        assert bad.status_code == 400, ids
        assert "ids" in bad.get_json()["data"]["error"]["details"]
    too_many = ",".join(str(number) for number in range(1, 502))
    bad = site.editor.get("/print/printers/qr", query_string={"ids": too_many})
    assert "at most 500" in bad.get_json()["data"]["error"]["message"]
    assert svgs(page(site, "qr", [known]).get_data(as_text=True))
