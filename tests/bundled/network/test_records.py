"""The network plugin through its REST API: install, records, validation of
IP and MAC addresses, VLANs, urls and device types, and uplinks as
`connectedto` relationships."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import AssetType
from shopdb.plugins.runtime import current_runtime
from tests.bundled.network.conftest import NAME, TYPES_URL, URL, Site, mac, number
from tests.collectors.conftest import run

pytestmark = pytest.mark.database

SEEDED_TYPES = {
    "switch",
    "access point",
    "IDF",
    "router",
    "firewall",
    "camera",
    "server",
    "other",
}


def refused(site: Site, body: dict, field: str, method: str = "post", url: str = URL) -> list:
    """The field's messages of a write that must be a 400."""
    response = getattr(site.editor, method)(url, json=body)
    assert response.status_code == 400, response.get_json()
    details = response.get_json()["data"]["error"]["details"]
    assert field in details, details
    return details[field]


# Install ------------------------------------------------------------------------


def test_install_registers_the_asset_type_and_seeds_the_device_types(site: Site):
    with site.app.app_context():
        (assettype,) = get_session().scalars(
            select(AssetType).where(AssetType.assettype == "network")
        )
        assert (assettype.label, assettype.icon, assettype.pluginname) == (
            "Network device",
            "router",
            NAME,
        )
    reply = site.admin.get(TYPES_URL, query_string={"perpage": 100}).get_json()
    assert {row["networkdevicetype"] for row in reply["data"]} >= SEEDED_TYPES


def test_installing_again_changes_nothing(site: Site):
    def counts():
        with site.app.app_context():
            session = get_session()
            types = session.scalar(
                select(func.count()).select_from(AssetType).where(AssetType.assettype == "network")
            )
            total = site.admin.get(TYPES_URL).get_json()["meta"]["pagination"]["total"]
            return types, total

    before = counts()
    assert "already installed" in run(site.app, "plugin", "install", NAME).output
    assert counts() == before
    assert before[0] == 1


def test_navigation_and_searchable_fields_are_declared(site: Site):
    parts = current_runtime(site.app).get(NAME).parts
    assert [(item.label, item.url, item.icon) for item in parts.navigation] == [
        ("Network", "/network", "router")
    ]
    fields = {model.__tablename__: dict(pairs) for model, pairs in parts.searchable.items()}
    assert {"macaddress", "hostname", "ipaddress"} <= set(fields["networkdevices"])


def test_device_types_are_written_by_admins_only(site: Site):
    body = {"networkdevicetype": f"patch panel {number()}"}
    assert site.editor.post(TYPES_URL, json=body).status_code == 403
    response = site.admin.post(TYPES_URL, json=body)
    assert response.status_code == 201, response.get_json()


# Records -----------------------------------------------------------------------


def test_create_list_filter_search_get_update_and_retire(site: Site):
    serial = number()
    sent = site.body(
        hostname=f"SW-Test{serial}.Plant.Example.",
        ipaddress="10.20.7.3",
        vlan=100,
        firmware="IOS XE 17.9.4a",
        managementurl="https://10.20.7.3/",
    )
    response = site.editor.post(URL, json=sent)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assetid = record["assetid"]
    assert record["hostname"] == f"sw-test{serial}.plant.example"
    assert record["macaddress"] == sent["macaddress"]
    assert record["networkdevicetypeid"] == site.type_id("switch")
    # The name sent resolves to the id; the reply names the row under the same key.
    assert record["networkdevicetype"] == {"id": site.type_id("switch"), "name": "switch"}
    other = site.create(vlan=110)

    for query in (
        {"macaddress": sent["macaddress"]},
        {"ipaddress": "10.20.7.3"},
        {"hostname": record["hostname"]},
        {"assetnumber": sent["assetnumber"]},
        {"name": sent["name"]},
        {"q": f"sw-test{serial}"},
        {"q": sent["macaddress"]},
    ):
        found = site.admin.get(URL, query_string=query).get_json()["data"]
        assert [item["assetid"] for item in found] == [assetid], query
    by_type = site.admin.get(
        URL, query_string={"networkdevicetypeid": site.type_id("switch"), "perpage": 100}
    ).get_json()["data"]
    assert {assetid, other["assetid"]} <= {item["assetid"] for item in by_type}
    vlans = site.admin.get(URL, query_string={"vlan": 110, "perpage": 100}).get_json()["data"]
    assert other["assetid"] in {item["assetid"] for item in vlans}
    assert assetid not in {item["assetid"] for item in vlans}
    ordered = site.admin.get(URL, query_string={"sort": "-vlan", "perpage": 100}).get_json()
    values = [item["vlan"] for item in ordered["data"] if item["vlan"] is not None]
    assert values == sorted(values, reverse=True)

    detail = site.admin.get(f"{URL}/{assetid}").get_json()["data"]
    assert detail["firmware"] == "IOS XE 17.9.4a" and "relationships" in detail

    change = {"firmware": "IOS XE 17.12.1", "vlan": 4094, "networkdevicetype": "IDF"}
    response = site.editor.patch(f"{URL}/{assetid}", json=change)
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()["data"]
    assert (updated["firmware"], updated["vlan"]) == ("IOS XE 17.12.1", 4094)
    assert updated["networkdevicetypeid"] == site.type_id("IDF")

    assert site.editor.delete(f"{URL}/{assetid}").status_code in (200, 204)
    retired = site.admin.get(f"{URL}/{assetid}").get_json()["data"]
    assert retired["isactive"] is False


def test_device_type_by_name_ignores_case(site: Site):
    body = site.body(networkdevicetype="Access Point")
    del body["networkdevicetypeid"]
    response = site.editor.post(URL, json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["networkdevicetypeid"] == site.type_id("access point")


def test_asset_number_defaults_to_the_mac_then_the_hostname(site: Site):
    serial = number()
    body = site.body(macaddress=mac(serial, "-").upper())
    del body["assetnumber"]
    record = site.editor.post(URL, json=body).get_json()["data"]
    assert record["assetnumber"] == "NET-" + mac(serial, "").upper()

    body = site.body(hostname=f"cam-{serial}")
    del body["assetnumber"], body["macaddress"]
    record = site.editor.post(URL, json=body).get_json()["data"]
    assert (record["assetnumber"], record["macaddress"]) == (f"cam-{serial}", None)

    body = site.body()
    del body["assetnumber"], body["macaddress"]
    assert "macaddress or hostname" in refused(site, body, "assetnumber")[0]


def test_a_name_made_from_a_long_hostname_must_fit(site: Site):
    """A valid host name may be longer than a name: the default made from it
    is refused naming the field to send, not a database error."""
    serial = number()
    hostname = ".".join([f"{'a' * 58}{serial:04d}"[-62:]] * 3 + ["plant1", "local"])
    assert 200 < len(hostname) <= 253
    body = site.body(hostname=hostname)
    del body["name"]
    (message,) = refused(site, body, "name")
    assert "at most 200" in message
    body["name"] = f"core switch {serial}"
    assert site.editor.post(URL, json=body).status_code == 201


# MAC addresses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["{colon}", "{colon_upper}", "{dash}", "{dash_upper}", "{dotted}", "{bare}", "  {colon}  "],
)
def test_mac_spellings_are_stored_one_way(site: Site, spelling: str):
    serial = number()
    digits = mac(serial, "")
    forms = {
        "colon": mac(serial),
        "colon_upper": mac(serial).upper(),
        "dash": mac(serial, "-"),
        "dash_upper": mac(serial, "-").upper(),
        "dotted": ".".join(digits[index : index + 4] for index in range(0, 12, 4)),
        "bare": digits.upper(),
    }
    record = site.create(macaddress=spelling.format(**forms))
    assert record["macaddress"] == mac(serial)


def test_the_same_mac_in_another_spelling_is_a_conflict(site: Site):
    serial = number()
    site.create(macaddress=mac(serial))
    response = site.editor.post(URL, json=site.body(macaddress=mac(serial, "-").upper()))
    assert response.status_code == 409, response.get_json()


@pytest.mark.parametrize(
    "value",
    ["aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "gg:bb:cc:dd:ee:ff", "aa:bb-cc:dd:ee:ff", "x", ""],
)
def test_malformed_macs_are_refused_with_a_field_message(site: Site, value: str):
    messages = refused(site, site.body(macaddress=value), "macaddress")
    assert any("MAC address" in message for message in messages), messages


# IP addresses, VLANs, urls, device types ----------------------------------------------


@pytest.mark.parametrize("value", ["10.0.0.256", "10.0.0", "not-an-ip", "fd00::5::1", "1.2.3.4/24"])
def test_invalid_ip_addresses_are_refused(site: Site, value: str):
    messages = refused(site, site.body(ipaddress=value), "ipaddress")
    assert any("IP address" in message for message in messages), messages


def test_ipv6_is_stored_compressed(site: Site):
    record = site.create(ipaddress="FD00:0000:0000:0000:0000:0000:0000:0005")
    assert record["ipaddress"] == "fd00::5"


@pytest.mark.parametrize("vlan", [-1, 0, 4095, 100000])
def test_vlans_outside_1_to_4094_are_refused(site: Site, vlan: int):
    assert refused(site, site.body(vlan=vlan), "vlan") == ["A VLAN id is 1 to 4094."]


@pytest.mark.parametrize("vlan", [1, 4094])
def test_vlan_edges_are_accepted(site: Site, vlan: int):
    assert site.create(vlan=vlan)["vlan"] == vlan


def test_vlan_change_is_checked_too(site: Site):
    record = site.create(vlan=10)
    refused(site, {"vlan": 0}, "vlan", "patch", f"{URL}/{record['assetid']}")


@pytest.mark.parametrize("url", ["ftp://10.0.0.1/", "10.0.0.1", "https://", "javascript:alert(1)"])
def test_management_urls_must_be_http(site: Site, url: str):
    refused(site, site.body(managementurl=url), "managementurl")


def test_unknown_device_type_id_is_refused_naming_the_field(site: Site):
    refused(site, site.body(networkdevicetypeid=987654), "networkdevicetypeid")
    refused(site, site.body(networkdevicetypeid=0), "networkdevicetypeid")


def test_unknown_device_type_name_is_refused_naming_the_field(site: Site):
    body = site.body(networkdevicetype="toaster")
    del body["networkdevicetypeid"]
    (message,) = refused(site, body, "networkdevicetype")
    assert "toaster" in message and "access point" in message


def test_a_device_type_is_required(site: Site):
    body = site.body()
    del body["networkdevicetypeid"]
    (message,) = refused(site, body, "networkdevicetype")
    assert "networkdevicetypeid" in message


def test_a_device_type_name_matches_exactly_before_ignoring_case(site: Site):
    """Regression: with "fw" and a later "FW", "fw" meant the later one."""
    serial = number()
    ids = []
    for name in (f"fw {serial}", f"FW {serial}"):
        response = site.admin.post(TYPES_URL, json={"networkdevicetype": name})
        # MySQL and MariaDB refuse the variant: their unique constraint ignores case.
        assert response.status_code in (201, 409), response.get_json()
        if response.status_code == 201:
            ids.append(response.get_json()["data"]["networkdevicetypeid"])
    lower, upper = ids if len(ids) == 2 else ids * 2

    def typed(name: str):
        body = site.body(networkdevicetype=name)
        del body["networkdevicetypeid"]
        return site.editor.post(URL, json=body)

    for name, expected in ((f"fw {serial}", lower), (f"FW {serial}", upper)):
        response = typed(name)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["data"]["networkdevicetypeid"] == expected
    response = typed(f"Fw {serial}")
    if lower == upper:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 400, response.get_json()
        (message,) = response.get_json()["data"]["error"]["details"]["networkdevicetype"]
        assert f"'fw {serial}'" in message and f"'FW {serial}'" in message


def test_type_by_name_and_id_must_agree(site: Site):
    refused(site, site.body(networkdevicetype="camera"), "networkdevicetype")


# Uplinks ------------------------------------------------------------------------------


def test_an_uplink_is_a_connectedto_relationship_shown_on_both_ends(site: Site):
    idf = site.create(name="IDF-T", networkdevicetypeid=site.type_id("IDF"))
    switch = site.create(name="SW-T1")
    kinds = site.admin.get(
        "/api/relationshiptypes", query_string={"relationshiptype": "connectedto"}
    ).get_json()["data"]
    (connectedto,) = [row for row in kinds if row["relationshiptype"] == "connectedto"]
    edge = {
        "sourceassetid": switch["assetid"],
        "targetassetid": idf["assetid"],
        "relationshiptypeid": connectedto["relationshiptypeid"],
        "label": "Uplink Te1/1/1",
    }
    response = site.editor.post("/api/assetrelationships", json=edge)
    assert response.status_code == 201, response.get_json()
    # An uplink carries no position, and says so without being told.
    assert response.get_json()["data"]["inheritsposition"] is False

    outgoing = site.admin.get(f"{URL}/{switch['assetid']}").get_json()["data"]["relationships"]
    (uplink,) = outgoing["outgoing"]
    assert uplink["relationshiptype"] == "connectedto"
    assert uplink["label"] == "Uplink Te1/1/1"
    assert uplink["asset"]["assetid"] == idf["assetid"]
    incoming = site.admin.get(f"{URL}/{idf['assetid']}").get_json()["data"]["relationships"]
    assert [item["asset"]["assetid"] for item in incoming["incoming"]] == [switch["assetid"]]
