"""Printing from the web UI's pages on the demo site: the "Print labels"
action of every asset list (assets and each asset class) opens the asset
labels print view for the selected records; a machine's page links its badge."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from shopdb.testing.codes import decode_all
from tests.web.conftest import csrf


@pytest.mark.parametrize("listing", ["assets", "computers", "equipment", "usbdevices"])
def test_asset_lists_print_the_selected_labels(browser_of, listing):
    client = browser_of("editor")
    page = client.get(f"/{listing}?perpage=10").get_data(True)
    assert 'data-testid="bulklabels"' in page and 'name="labelsheet"' in page
    ids = re.findall(r'name="ids" value="(\d+)"', page)[:3]
    form = {"ids": ids, "action": "labels", "labelsheet": "5160", "labeloffset": "28"}
    moved = client.post(f"/{listing}/bulk", data={**form, "csrf_token": csrf(client)})
    assert moved.status_code == 303, moved.get_data(True)[:300]
    target = urlsplit(moved.headers["Location"])
    assert target.path == "/print/assets/labels"
    assert parse_qs(target.query) == {"ids": [",".join(ids)], "sheet": ["5160"], "offset": ["28"]}
    printed = client.get(moved.headers["Location"])
    assert printed.status_code == 200
    html = printed.get_data(True)
    assert decode_all(html) == [f"http://localhost/assets/{each}" for each in ids]
    assert html.count('class="sheetpage"') == 2  # 28 used + 3 overflow one Letter sheet


def test_the_labels_action_is_for_assets_only_and_checks_the_sheet(browser_of):
    client = browser_of("editor")
    assert 'data-testid="bulklabels"' not in client.get("/vendors").get_data(True)
    token = csrf(client)
    refused = client.post(
        "/vendors/bulk", data={"ids": ["1"], "action": "labels", "csrf_token": token}
    )
    assert refused.status_code == 405
    ids = re.findall(r'name="ids" value="(\d+)"', client.get("/computers").get_data(True))[:1]
    form = {"ids": ids, "action": "labels", "labelsheet": "l9999", "csrf_token": token}
    unknown = client.post("/computers/bulk", data=form)
    assert unknown.status_code == 400 and "known sheets: l7160" in unknown.get_data(True)
    used = client.post("/computers/bulk", data={**form, "labelsheet": "5160", "labeloffset": "30"})
    assert used.status_code == 400 and "give 0 to 29" in used.get_data(True)
    many = [str(number) for number in range(1, 502)]
    too_many = client.post("/computers/bulk", data={**form, "ids": many, "labelsheet": "l7160"})
    assert too_many.status_code == 400 and "at most 500 records" in too_many.get_data(True)
    none = client.post("/computers/bulk", data={**form, "ids": [], "labelsheet": "l7160"})
    assert none.status_code == 400 and "Select at least one record" in none.get_data(True)


def test_a_machine_page_links_its_badge_and_label(browser_of):
    client = browser_of("viewer")
    listing = client.get("/equipment").get_data(True)
    assetid = re.search(r'href="/equipment/(\d+)"', listing).group(1)
    page = client.get(f"/equipment/{assetid}").get_data(True)
    assert f'href="/print/equipment/badge?ids={assetid}"' in page
    assert f'href="/print/assets/labels?ids={assetid}&amp;sheet=l7160"' in page
    badge = client.get(f"/print/equipment/badge?ids={assetid}").get_data(True)
    machinenumber = re.search(r'<div class="number">([^<]+)</div>', badge).group(1)
    assert decode_all(badge) == [machinenumber]


@pytest.mark.parametrize(
    ("listing", "view"), [("printers", "/print/printers/qr"), ("usbdevices", "/print/usb/labels")]
)
def test_printer_and_usb_pages_link_their_print_views(browser_of, listing, view):
    client = browser_of("viewer")
    listed = client.get(f"/{listing}").get_data(True)
    assetid = re.search(rf'href="/{listing}/(\d+)"', listed).group(1)
    page = client.get(f"/{listing}/{assetid}").get_data(True)
    assert f'href="{view}?ids={assetid}"' in page
    printed = client.get(f"{view}?ids={assetid}").get_data(True)
    assert decode_all(printed) == [f"http://localhost/{listing}/{assetid}"]
