"""`shopdb seed --demo` with the network plugin: a network row for each of
the demo's switches, IDFs and access points, realistic and the same on every
run, and nothing added the second time."""

from __future__ import annotations

import ipaddress

import pytest

from tests.bundled.network.conftest import URL, Site
from tests.collectors.conftest import run

pytestmark = pytest.mark.database

DEMO_NETWORK_ASSETS = 20  # CORE-SW01, three IDFs, ten bay switches, six access points


def demo_devices(site: Site) -> dict[str, dict]:
    reply = site.admin.get(URL, query_string={"perpage": 500, "q": "NET-4"}).get_json()
    return {row["name"]: row for row in reply["data"] if row["assetnumber"].startswith("NET-4")}


@pytest.fixture(scope="module")
def demo(site: Site) -> tuple[str, dict[str, dict]]:
    """The output of the first `shopdb seed --demo` and the demo rows it left."""
    output = run(site.app, "seed", "--demo").output
    return output, demo_devices(site)


def test_seed_demo_adds_realistic_rows_once(site: Site, demo):
    output, devices = demo
    assert f"network: Added {DEMO_NETWORK_ASSETS} network devices." in output
    assert len(devices) == DEMO_NETWORK_ASSETS

    types = {name: site.type_id(name) for name in ("switch", "IDF", "access point")}
    for name, row in devices.items():
        expected = (
            "IDF"
            if name.startswith("IDF-")
            else "access point"
            if name.startswith("AP-")
            else "switch"
        )
        assert row["networkdevicetypeid"] == types[expected], name
        address = ipaddress.ip_address(row["ipaddress"])
        network = "10.21.0.0/16" if expected == "access point" else "10.20.0.0/16"
        assert address in ipaddress.ip_network(network), (name, address)
        first_octet = int(row["macaddress"].split(":")[0], 16)
        assert first_octet & 0b10 and not first_octet & 0b1  # locally administered, unicast
        assert row["vlan"] == (110 if expected == "access point" else 100)
        assert row["hostname"] == name.lower()
        assert row["managementurl"].startswith(f"https://{row['ipaddress']}")
        assert row["firmware"]
    assert len({row["ipaddress"] for row in devices.values()}) == DEMO_NETWORK_ASSETS
    assert len({row["macaddress"] for row in devices.values()}) == DEMO_NETWORK_ASSETS

    again = run(site.app, "seed", "--demo").output
    assert "network: nothing to add." in again
    assert demo_devices(site) == devices


def test_demo_idfs_uplink_to_the_core_switch(site: Site, demo):
    _output, devices = demo
    idf = devices["IDF-A"]
    detail = site.admin.get(f"{URL}/{idf['assetid']}").get_json()["data"]
    uplinks = [
        edge
        for edge in detail["relationships"]["outgoing"]
        if edge["relationshiptype"] == "connectedto"
    ]
    assert [edge["asset"]["name"] for edge in uplinks] == ["CORE-SW01"]
    switches = [
        edge["asset"]["name"]
        for edge in detail["relationships"]["incoming"]
        if edge["relationshiptype"] == "connectedto"
    ]
    assert any(name.startswith("SW-A") for name in switches), switches
