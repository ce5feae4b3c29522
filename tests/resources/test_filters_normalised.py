"""List filters and `q` on fields with a field type (MacAddress, IpAddress,
Hostname) compare the stored spelling of the value, whatever spelling the
caller wrote; a value the type refuses is a 400 on the parameter. A filter
parameter may repeat (any of the values); other parameters may not. Run over
the network plugin, whose devices keep their own MAC, IP and host name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shopdb.resources.fieldtypes import MAC_FORMS
from tests.bundled.network.conftest import URL, Site, mac, number
from tests.bundled.support import installed_site

pytestmark = pytest.mark.database


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with installed_site("network", tmp_path_factory, Site) as installed:
        yield installed


def listed(site: Site, query: Any) -> list[int]:
    response = site.editor.get(URL, query_string=query)
    assert response.status_code == 200, response.get_json()
    return sorted(row["assetid"] for row in response.get_json()["data"])


def refused(site: Site, query: Any, parameter: str) -> list[str]:
    response = site.editor.get(URL, query_string=query)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["data"]["error"]
    assert error["code"] == "invalid_input"
    assert list(error["details"]) == [parameter], error
    return error["details"][parameter]


# Field types ----------------------------------------------------------------------


def _dotted(colons: str) -> str:
    digits = colons.replace(":", "")
    return ".".join(digits[index : index + 4] for index in range(0, 12, 4))


SPELLINGS = {
    "dashes": lambda colons: colons.upper().replace(":", "-"),
    "dots": _dotted,
    "bare": lambda colons: colons.replace(":", "").upper(),
    "padded": lambda colons: f" {colons.upper()} ",
}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_mac_filter_takes_every_spelling(site: Site, spelling: str):
    device = site.create()
    site.create()  # another device, which no spelling finds
    value = SPELLINGS[spelling](device["macaddress"])
    assert value != device["macaddress"]
    assert listed(site, {"macaddress": value}) == [device["assetid"]]


def test_ip_and_hostname_filters_compare_the_stored_spelling(site: Site):
    device = site.create(ipaddress="fd00:0:0:0:0:0:20:5", hostname="SW-Core-7")
    assert (device["ipaddress"], device["hostname"]) == ("fd00::20:5", "sw-core-7")
    assert listed(site, {"ipaddress": "FD00:0000::0020:0005"}) == [device["assetid"]]
    assert listed(site, {"hostname": "SW-CORE-7."}) == [device["assetid"]]
    assert listed(site, {"hostname": "sw-core-7", "ipaddress": "fd00::20:5"}) == [device["assetid"]]


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("macaddress", "06:ab:00:00:00", f"Not a MAC address; write it as {MAC_FORMS}."),
        ("ipaddress", "10.0.0.256", "Not an IP address"),
        ("hostname", "bad_name", "Not a host name"),
    ],
)
def test_a_value_the_type_refuses_is_a_400_on_the_parameter(
    site: Site, parameter: str, value: str, message: str
):
    (text,) = refused(site, {parameter: value}, parameter)
    assert text.startswith(message)


def test_q_finds_a_mac_written_another_way(site: Site):
    serial = number()
    device = site.create(macaddress=mac(serial))
    for text in (mac(serial, "-").upper(), mac(serial).replace(":", ""), mac(serial)[6:]):
        assert device["assetid"] in listed(site, {"q": text, "perpage": 500}), text


def test_an_ip_address_is_found_by_q_and_by_filter(site: Site):
    device = site.create(ipaddress="10.77.3.14")
    assert listed(site, {"ipaddress": "10.77.3.14"}) == [device["assetid"]]
    assert listed(site, {"q": "10.77.3.14"}) == [device["assetid"]]


# Repeated parameters ----------------------------------------------------------------


def test_a_repeated_filter_matches_any_of_its_values(site: Site):
    first, second, third = site.create(), site.create(), site.create()
    query = [("assetnumber", first["assetnumber"]), ("assetnumber", second["assetnumber"])]
    assert listed(site, query) == sorted([first["assetid"], second["assetid"]])
    # Each value is normalised on its own; a value repeated counts once.
    macs = [first["macaddress"].upper().replace(":", "-"), third["macaddress"]]
    query = [("macaddress", value) for value in (*macs, third["macaddress"])]
    assert listed(site, query) == sorted([first["assetid"], third["assetid"]])
    # Different filters still all apply.
    query = [*query, ("assetnumber", first["assetnumber"])]
    assert listed(site, query) == [first["assetid"]]


def test_one_bad_value_among_several_is_a_400_on_the_parameter(site: Site):
    device = site.create()
    query = [("macaddress", device["macaddress"]), ("macaddress", "nope")]
    assert refused(site, query, "macaddress") == [f"Not a MAC address; write it as {MAC_FORMS}."]


@pytest.mark.parametrize(
    "query",
    [
        [("page", "1"), ("page", "2")],
        [("vlanmin", "1"), ("vlanmin", "2")],
        [("q", "a"), ("q", "b")],
        [("sort", "name"), ("sort", "vlan")],
    ],
    ids=["page", "range", "q", "sort"],
)
def test_a_parameter_that_takes_one_value_may_not_repeat(site: Site, query: list):
    assert refused(site, query, query[0][0]) == ["Give this parameter once."]


def test_the_document_says_filters_may_repeat(site: Site):
    document = site.app.test_client().get("/api/openapi.json").get_json()
    parameters = {item["name"]: item for item in document["paths"][URL]["get"]["parameters"]}
    mac_filter = parameters["macaddress"]
    assert (mac_filter["in"], mac_filter["explode"], mac_filter["style"]) == (
        "query",
        True,
        "form",
    )
    assert mac_filter["schema"]["type"] == "array"
    assert "repeat" in mac_filter["description"]
    assert parameters["vlanmin"]["schema"]["type"] == "integer"
    assert parameters["page"]["schema"]["type"] == "integer"
