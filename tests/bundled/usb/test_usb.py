"""The usb plugin through its API: install, devices with a normalised
serial, issue and return as history shown on the device and per computer,
one holder at a time, status rules, the demo."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AssetType
from tests.bundled.usb.conftest import new_computer, new_device, serial
from tests.collectors.conftest import run

pytestmark = pytest.mark.database


def issue(site, device: dict, **body):
    return site.editor.post(f"/api/usbdevices/{device['assetid']}/issue", json=body)


def give_back(site, device: dict, **body):
    return site.editor.post(f"/api/usbdevices/{device['assetid']}/return", json=body)


def test_install_registers_the_asset_type(site):
    with site.app.app_context():
        kind = get_session().scalar(select(AssetType).where(AssetType.assettype == "usb"))
        assert (kind.label, kind.pluginname, kind.icon) == ("USB device", "usb", "usb-drive")


def test_a_device_is_known_by_its_normalised_serial(site):
    typed = serial()
    device = new_device(site, serial=typed, labelnumber="L-0001", capacitygb=64)
    stored = typed.replace(" ", "").upper()
    assert device["serial"] == stored and device["serialnumber"] == stored
    assert (device["assetnumber"], device["devicestatus"]) == ("USB-L-0001", "in stock")
    assert device["name"] == "USB stick 64 GB L-0001"
    assert device["issues"] == []
    found = site.editor.get("/api/usbdevices", query_string={"serial": typed.lower()})
    assert [row["assetid"] for row in found.get_json()["data"]] == [device["assetid"]]
    again = site.editor.post("/api/usbdevices", json={"serial": f" {stored.lower()} "})
    assert again.status_code == 409
    assert "serial" in again.get_json()["data"]["error"]["details"]
    bad = site.editor.post("/api/usbdevices", json={"serial": "no*stars"})
    assert bad.status_code == 400
    assert "letters, digits" in str(bad.get_json()["data"]["error"]["details"]["serial"])


def test_issue_and_return_are_history_on_the_device_and_the_computer(site):
    device = new_device(site, capacitygb=32)
    computer = new_computer(site)
    response = issue(site, device, issuedtoassetid=computer, reason="Program transfer")
    assert response.status_code == 200, response.get_json()
    shown = response.get_json()["data"]
    assert (shown["devicestatus"], shown["assignedassetid"], shown["assignedto"]) == (
        "issued",
        computer,
        None,
    )
    (first,) = shown["issues"]
    assert (first["issuedtoassetid"], first["issuedby"], first["reason"]) == (
        computer,
        "testeditor",
        "Program transfer",
    )
    assert first["returnedat"] is None
    held = site.editor.get("/api/usbdevices", query_string={"assignedassetid": computer})
    assert [row["assetid"] for row in held.get_json()["data"]] == [device["assetid"]]

    second = issue(site, device, issuedto="Someone else")
    assert second.status_code == 409
    message = second.get_json()["data"]["error"]["message"]
    assert "is issued, held by computer PC-" in message

    back = give_back(site, device, reason="Job done")
    assert back.status_code == 200, back.get_json()
    shown = back.get_json()["data"]
    assert (shown["devicestatus"], shown["assignedassetid"]) == ("in stock", None)
    assert shown["issues"][0]["returnreason"] == "Job done"
    assert shown["issues"][0]["returnedby"] == "testeditor"
    assert give_back(site, device).status_code == 409

    again = issue(site, device, issuedto="J. Meyer")
    assert again.status_code == 200
    lost = give_back(site, device, devicestatus="lost", reason="Not found after shift")
    assert lost.get_json()["data"]["devicestatus"] == "lost"
    history = site.editor.get(f"/api/usbdevices/{device['assetid']}").get_json()["data"]["issues"]
    assert [row["issuedto"] for row in history] == ["J. Meyer", None]
    at_computer = site.editor.get("/api/usbissues", query_string={"issuedtoassetid": computer})
    rows = at_computer.get_json()["data"]
    assert [(row["assetid"], row["reason"]) for row in rows] == [
        (device["assetid"], "Program transfer")
    ]
    assert "openassetid" not in rows[0]
    assert issue(site, device, issuedto="x").status_code == 409  # lost is not in stock


def test_bad_actions_and_status_changes_are_refused(site):
    device = new_device(site)
    assert issue(site, device).status_code == 400  # nobody to issue to
    assert issue(site, device, issuedtoassetid=device["assetid"]).status_code == 400
    url = f"/api/usbdevices/{device['assetid']}"
    refused = site.editor.patch(url, json={"devicestatus": "issued"})
    assert refused.status_code == 400
    assert "/issue" in str(refused.get_json()["data"]["error"]["details"])
    assert site.editor.patch(url, json={"assignedto": "me"}).status_code == 400
    assert issue(site, device, issuedto="A. Novak").status_code == 200
    refused = site.editor.patch(url, json={"devicestatus": "destroyed"})
    assert refused.status_code == 400
    assert "/return" in str(refused.get_json()["data"]["error"]["details"])
    assert site.editor.post("/api/usbissues", json={}).status_code == 405
    viewer = site.callers["viewer"].post(f"{url}/issue", json={"issuedto": "x"})
    assert viewer.status_code == 403
    assert (
        site.editor.post("/api/usbdevices/999999/issue", json={"issuedto": "x"}).status_code == 404
    )


def test_the_demo_adds_sticks_once(site):
    first = run(site.app, "seed", "--demo").output
    assert "usb: Added 12 USB devices (3 issued)." in first
    output = run(site.app, "seed", "--demo").output
    assert "usb: nothing to add." in output
    listed = site.editor.get("/api/usbdevices", query_string={"perpage": 100, "q": "USB-00"})
    demo = [row for row in listed.get_json()["data"] if row["labelnumber"].startswith("USB-00")]
    assert len(demo) == 12
    statuses = sorted(row["devicestatus"] for row in demo)
    assert statuses.count("lost") == 1 and statuses.count("destroyed") == 1
    issued = [row for row in demo if row["devicestatus"] == "issued"]
    # The demo's PCs (the site has the computers plugin): two hold a stick.
    assert sorted(str(row["assignedto"]) for row in issued) == [
        "J. Meyer (maintenance)",
        "None",
        "None",
    ]
    assert len({row["assignedassetid"] for row in issued if row["assignedassetid"]}) == 2
