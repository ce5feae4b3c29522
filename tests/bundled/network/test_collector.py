"""Collector pushes to POST /api/collector/network: identity `macaddress`.

The collector normalises the identity with the resource's field type before
it looks the device up (shopdb/resources/collector.py, `Collector.normalise`),
so every spelling of a MAC address (colons, dashes, dots, bare digits, any
case, blanks around it) finds the device stored as aa:bb:cc:dd:ee:ff, and the
reply's `identityvalue` is the stored form.
"""

from __future__ import annotations

import pytest

from tests.bundled.network.conftest import URL, Site, mac, number

pytestmark = pytest.mark.database


def record(serial: int, spelling: str | None = None, **values: object) -> dict:
    return {
        "macaddress": spelling or mac(serial),
        "networkdevicetype": "switch",
        "hostname": f"sw-push{serial}",
        "ipaddress": "10.20.9.1",
        "firmware": "IOS XE 17.9.4a",
        "vlan": 100,
        **values,
    }


def test_create_update_and_noop_by_mac(site: Site):
    serial = number()
    created = site.pushed(record(serial))
    assert (created["action"], created["identityvalue"]) == ("created", mac(serial))
    device = site.admin.get(f"{URL}/{created['assetid']}").get_json()["data"]
    assert device["assetnumber"] == "NET-" + mac(serial, "").upper()
    assert device["name"] == f"sw-push{serial}"
    assert device["networkdevicetypeid"] == site.type_id("switch")
    assert (device["vlan"], device["ipaddress"]) == (100, "10.20.9.1")

    again = site.pushed(record(serial))
    assert (again["action"], again["assetid"]) == ("noop", created["assetid"])

    changed = site.pushed(record(serial, firmware="IOS XE 17.12.1", vlan=110))
    assert (changed["action"], changed["assetid"]) == ("updated", created["assetid"])
    assert changed["changes"]["firmware"]["after"] == "IOS XE 17.12.1"
    assert changed["changes"]["vlan"] == {"before": 100, "after": 110}


@pytest.mark.parametrize("spelling", ["upper", "padded"])
def test_case_and_blanks_find_the_same_device(site: Site, spelling: str):
    serial = number()
    created = site.pushed(record(serial))
    sent = {"upper": mac(serial).upper(), "padded": f"  {mac(serial).upper()} "}[spelling]
    again = site.pushed(record(serial, sent))
    assert (again["action"], again["assetid"]) == ("noop", created["assetid"])
    assert again["identityvalue"] == mac(serial)


def test_a_device_entered_through_the_api_is_found_by_the_collector(site: Site):
    serial = number()
    entered = site.create(macaddress=mac(serial, "-").upper(), vlan=100)
    pushed = site.pushed(record(serial, mac(serial).upper(), vlan=100))
    assert pushed["assetid"] == entered["assetid"]
    assert pushed["action"] == "updated"  # hostname, ip and firmware were new


def test_unknown_device_type_is_a_field_error(site: Site):
    response = site.push(record(number(), networkdevicetype="toaster"))
    assert response.status_code == 400, response.get_json()
    assert "networkdevicetype" in response.get_json()["data"]["error"]["details"]


def test_malformed_pushes_name_the_field(site: Site):
    serial = number()
    for field, value in (
        ("macaddress", "aa:bb:cc"),
        ("macaddress", "zz:zz:zz:zz:zz:zz"),
        ("ipaddress", "10.0.0.300"),
        ("vlan", 4095),
        ("vlan", 0),
        ("managementurl", "ftp://x/"),
        ("unknownfield", "x"),
    ):
        response = site.push(record(serial, **{field: value}))
        assert response.status_code == 400, (field, value, response.get_json())
        assert field in response.get_json()["data"]["error"]["details"], (field, value)
    missing = record(serial)
    del missing["networkdevicetype"]
    response = site.push(missing)
    assert response.status_code == 400
    assert "networkdevicetype" in response.get_json()["data"]["error"]["details"]


@pytest.mark.parametrize("separator", ["-", "."])
def test_every_mac_spelling_finds_the_same_device(site: Site, separator: str):
    serial = number()
    created = site.pushed(record(serial))
    digits = mac(serial, "")
    spelling = (
        mac(serial, "-").upper()
        if separator == "-"
        else ".".join(digits[index : index + 4] for index in range(0, 12, 4))
    )
    again = site.pushed(record(serial, spelling))
    assert (again["action"], again["assetid"]) == ("noop", created["assetid"])
    assert again["identityvalue"] == mac(serial)


def test_a_device_first_pushed_with_dashes_is_stored_and_found_canonically(site: Site):
    serial = number()
    first = site.pushed(record(serial, mac(serial, "-")))
    assert (first["action"], first["identityvalue"]) == ("created", mac(serial))
    stored = site.admin.get(f"{URL}/{first['assetid']}").get_json()["data"]
    assert stored["macaddress"] == mac(serial)
    again = site.pushed(record(serial, mac(serial, "-")))
    assert (again["action"], again["assetid"]) == ("noop", first["assetid"])
