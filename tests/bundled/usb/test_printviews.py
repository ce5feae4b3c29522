"""The usb plugin's batch label view: every label's QR code, read back by a
real decoder, holds its device's page; the label number is printed large."""

from __future__ import annotations

import pytest

from shopdb.testing.codes import decode_all
from tests.bundled.usb.conftest import new_device

pytestmark = pytest.mark.database


def test_batch_labels_carry_each_devices_page(site):
    devices = [new_device(site, labelnumber=f"LBL-{number}", capacitygb=32) for number in range(4)]
    ids = ",".join(str(device["assetid"]) for device in devices)
    response = site.callers["viewer"].get("/print/usb/labels", query_string={"ids": ids})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert decode_all(html) == [
        f"http://localhost/usbdevices/{device['assetid']}" for device in devices
    ]
    for device in devices:
        assert device["labelnumber"] in html and device["serial"] in html
    assert "32 GB" in html and "<script" not in html
