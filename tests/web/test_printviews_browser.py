"""Every print view as Chromium prints it: the page is rendered with the
print media type, screenshot whole, and every QR code and barcode on the
screenshot is read back by zbarimg. One screenshot per view: the equipment
badge, the asset labels on an A4 and a Letter sheet with an offset, the
printers' QR label and sheet, the USB labels. The label sheets are also
printed to PDF: one page of the sheet's paper size per sheet. Marked
`browser` and `slow`."""

from __future__ import annotations

import re
from typing import Any

from shopdb.testing.browsers import browser_marks
from shopdb.testing.codes import decode_image

pytestmark = browser_marks()


def records(page: Any, resource: str, count: int) -> list[dict[str, Any]]:
    reply = page.request.get(f"/api/{resource}", params={"perpage": count})
    assert reply.ok, reply.text()
    rows = reply.json()["data"]
    assert len(rows) == count, f"the demo site has fewer than {count} {resource}"
    return rows


def printed(page: Any, path: str) -> list[str]:
    """The codes of the print page at `path`, as printed: sorted."""
    reply = page.goto(path)
    assert reply.status == 200, reply.text()[:300]
    page.emulate_media(media="print")
    return sorted(decode_image(page.screenshot(full_page=True)))


def pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    """(width, height) in points of each page of a PDF Chromium printed."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(width)), round(float(height))) for width, height in boxes]


def ids(rows: list[dict[str, Any]]) -> str:
    return ",".join(str(row["assetid"]) for row in rows)


def test_each_print_view_prints_codes_that_read_back(page_of, web_server):
    page = page_of("viewer", device_scale_factor=2)
    machines = records(page, "equipment", 2)
    assert printed(page, f"/print/equipment/badge?ids={ids(machines)}") == sorted(
        machine["machinenumber"] for machine in machines
    )

    assets = records(page, "assets", 4)
    pages = [f"{web_server}/assets/{asset['assetid']}" for asset in assets]
    # Printed, each sheet is one page of its own paper size, in points: A4 is
    # 210 x 297 mm, Letter 8.5 x 11 in; 28 used + 4 labels take two Letter sheets.
    a4, letter = (595, 842), (612, 792)
    for sheet, offset, paper in (("l7160", 5, [a4]), ("5160", 28, [letter, letter])):
        path = f"/print/assets/labels?ids={ids(assets)}&sheet={sheet}&offset={offset}"
        assert printed(page, path) == sorted(pages), sheet
        assert pdf_pages(page.pdf(prefer_css_page_size=True)) == paper, sheet

    printers = records(page, "printers", 3)
    links = sorted(f"{web_server}/printers/{printer['assetid']}" for printer in printers)
    assert printed(page, f"/print/printers/qr?ids={printers[0]['assetid']}") == links[:1]
    assert printed(page, f"/print/printers/qrsheet?ids={ids(printers)}") == links

    devices = records(page, "usbdevices", 3)
    expected = sorted(f"{web_server}/usbdevices/{device['assetid']}" for device in devices)
    assert printed(page, f"/print/usb/labels?ids={ids(devices)}") == expected


def test_the_list_prints_labels_for_the_rows_selected(page_of, web_server):
    page = page_of("editor", device_scale_factor=2)
    page.goto("/equipment?perpage=10")
    boxes = page.locator("input[data-select-row]")
    chosen = [boxes.nth(index).get_attribute("value") for index in (0, 2)]
    for index in (0, 2):
        boxes.nth(index).check()
    page.select_option("#bulk-labelsheet", "5160")
    page.locator("#bulk-labeloffset").fill("3")
    page.get_by_test_id("bulklabels").click()
    page.wait_for_url("**/print/assets/labels?**")
    assert page.url.endswith(f"ids={','.join(chosen)}&sheet=5160&offset=3")
    page.emulate_media(media="print")
    codes = decode_image(page.screenshot(full_page=True))
    assert sorted(codes) == sorted(f"{web_server}/assets/{each}" for each in chosen)
