"""Filters and search on the fields of nested rows: a computer found by one of
its network interfaces (`?macaddress=`, `?ipaddress=`, `q`), through an
EXISTS subquery, so that a computer comes once however many of its
interfaces match and the list costs the same queries as without the filter.
Also how the declarations are checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shopdb.api import HasMany, MacAddress, Resource
from shopdb.database import get_database
from shopdb.models import ADMIN
from shopdb.testing.databases import count_queries
from shopdb.testing.fuzzing import fuzz, operations
from tests.bundled.computers.conftest import Site, hostname, mac
from tests.bundled.support import installed_site

pytestmark = pytest.mark.database

URL = "/api/computers"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with installed_site("computers", tmp_path_factory) as installed:
        yield installed


def created(site: Site, *interfaces: tuple[str, str | None], **values: Any) -> dict[str, Any]:
    body = {
        "hostname": hostname(),
        "interfaces": [
            {"name": f"eth{index}", "macaddress": address, "ipaddress": ip}
            for index, (address, ip) in enumerate(interfaces)
        ],
        **values,
    }
    response = site.editor.post(URL, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def listed(site: Site, query: Any) -> list[int]:
    response = site.editor.get(URL, query_string=query)
    assert response.status_code == 200, response.get_json()
    return [row["assetid"] for row in response.get_json()["data"]]


def test_a_computer_is_found_by_an_interface_mac_in_any_spelling(site: Site):
    first, second = mac(), mac()
    pc = created(site, (first, "10.20.8.3"), (second, "10.20.8.4"))
    created(site, (mac(), "10.20.8.5"))
    for value in (first, first.upper().replace(":", "-"), first.replace(":", "")):
        assert listed(site, {"macaddress": value}) == [pc["assetid"]], value
    assert listed(site, {"ipaddress": "10.20.8.4"}) == [pc["assetid"]]


def test_a_computer_comes_once_however_many_interfaces_match(site: Site):
    pc = created(site, (mac(), "10.20.9.1"), (mac(), "10.20.9.2"), (mac(), "10.20.9.3"))
    other = created(site, (mac(), "10.20.9.4"))
    query = [("ipaddress", ip) for ip in ("10.20.9.1", "10.20.9.2", "10.20.9.3", "10.20.9.4")]
    response = site.editor.get(URL, query_string=[*query, ("sort", "hostname")])
    body = response.get_json()
    assert sorted(row["assetid"] for row in body["data"]) == sorted(
        [pc["assetid"], other["assetid"]]
    )
    assert body["meta"]["pagination"]["total"] == 2
    assert (
        len(next(row for row in body["data"] if row["assetid"] == pc["assetid"])["interfaces"]) == 3
    )


def test_conditions_on_one_nested_part_hold_for_the_same_row(site: Site):
    first, second = mac(), mac()
    pc = created(site, (first, "10.20.10.1"), (second, "10.20.10.2"))
    assert listed(site, {"macaddress": first, "ipaddress": "10.20.10.1"}) == [pc["assetid"]]
    assert listed(site, {"macaddress": first, "ipaddress": "10.20.10.2"}) == []
    # and with the computer's own filters
    assert listed(site, {"macaddress": first, "hostname": pc["hostname"].upper()}) == [
        pc["assetid"]
    ]
    assert listed(site, {"macaddress": first, "hostname": "someone-else"}) == []


def test_a_bad_interface_value_is_a_400_on_the_parameter(site: Site):
    for parameter, value in (("macaddress", "zz:11:22:33:44:55"), ("ipaddress", "10.0.0.256")):
        response = site.editor.get(URL, query_string={parameter: value})
        assert response.status_code == 400, response.get_json()
        details = response.get_json()["data"]["error"]["details"]
        assert list(details) == [parameter]
        assert details[parameter][0].startswith("Not a"), details


def test_q_finds_a_computer_by_an_interface_ip_or_mac(site: Site):
    address = mac()
    pc = created(site, (mac(), "10.20.11.3"), (address, "10.20.11.30"))
    assert listed(site, {"q": "10.20.11.3"}) == [pc["assetid"]]  # both match: once
    assert listed(site, {"q": "10.20.11.30"}) == [pc["assetid"]]
    assert listed(site, {"q": address.upper().replace(":", "-")}) == [pc["assetid"]]
    assert listed(site, {"q": address[-8:]}) == [pc["assetid"]]


def test_a_hostname_filter_ignores_case(site: Site):
    pc = created(site, hostname="PC-Case-Test-7")
    assert listed(site, {"hostname": "PC-CASE-TEST-7"}) == [pc["assetid"]]


def test_nested_filters_and_search_cost_no_query(site: Site):
    addresses = [mac() for _ in range(6)]
    for number in range(3):
        created(
            site,
            (addresses[2 * number], f"10.20.12.{number}"),
            (addresses[2 * number + 1], f"10.20.13.{number}"),
        )
    engine = get_database(site.app).engine
    counts = []
    for query in (
        {"perpage": 100},
        {"perpage": 100, "ipaddress": "10.20.12.1"},
        {"perpage": 100, "ipaddress": "10.20.12.1", "macaddress": addresses[2]},
        {"perpage": 100, "q": "10.20.1"},
    ):
        with count_queries(engine) as counter:
            response = site.editor.get(URL, query_string=query)
        assert response.status_code == 200
        assert response.get_json()["data"], query  # rows, so their interfaces load too
        counts.append(counter.count)
    # Filters cost nothing; a search costs one bounded read of the search
    # index (does the text match so much that relevance order is moot?).
    *filtered, searched = counts
    assert len(set(filtered)) == 1, counts
    assert searched == filtered[0] + 1, counts


def test_the_document_names_the_nested_filters(site: Site):
    document = site.app.test_client().get("/api/openapi.json").get_json()
    parameters = {item["name"]: item for item in document["paths"][URL]["get"]["parameters"]}
    assert {"macaddress", "ipaddress"} <= set(parameters)
    assert "interfaces row whose macaddress" in parameters["macaddress"]["description"]
    assert "interfaces.ipaddress" in parameters["q"]["description"]


@pytest.mark.slow
def test_generated_list_requests_never_fail_the_server(site: Site):
    found = operations(site.app, lambda each: each.path == URL and each.method.upper() == "GET")
    assert len(found) == 1
    fuzz(found, headers=site.callers[ADMIN].headers, examples=40)


# Declarations ------------------------------------------------------------------------


def declare(site: Site, **options: Any) -> Resource:
    from shopdb.bundled.computers.models import Computer, ComputerInterface

    nested = {"interfaces": HasMany(ComputerInterface, key="macaddress")}
    return Resource(Computer, name="pcs", asset_type="computer", nested=nested, **options)


def test_a_declaration_may_name_the_parameter(site: Site):
    resource = declare(site, filters=(("nicmac", "interfaces.macaddress"), "interfaces.ipaddress"))
    assert list(resource.list_filters) == ["nicmac", "ipaddress"]
    assert resource.list_filters["nicmac"].target.part.name == "interfaces"


def test_a_declaration_takes_the_field_type_of_the_nested_rule(site: Site):
    from shopdb.bundled.computers.models import Computer, ComputerInterface

    rules = {"macaddress": MacAddress()}
    resource = Resource(
        Computer,
        name="pcs",
        asset_type="computer",
        nested={"interfaces": HasMany(ComputerInterface, key="macaddress", field_rules=rules)},
        filters=("interfaces.macaddress",),
    )
    assert isinstance(resource.list_filters["macaddress"].target.kind, MacAddress)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"filters": ("ports.macaddress",)}, r"nests nothing under 'ports'"),
        ({"filters": ("interfaces.nosuch",)}, r"no shown field 'nosuch'"),
        ({"filters": ("interfaces.hostname",)}, r"no shown field 'hostname'"),
        ({"filters": (("hostname", "interfaces.name"),)}, r"parameter 'hostname'.*field of"),
        ({"filters": ("memorymb", ("memorymbmin", "interfaces.name"))}, r"'memorymbmin'"),
        ({"filters": (("page", "interfaces.name"),)}, r"'page', already a list parameter"),
        ({"filters": (("Mac", "interfaces.macaddress"),)}, r"lowercase letters"),
        ({"filters": (("a", "b", "c"),)}, r"a \(parameter, field\) pair"),
        ({"filters": ("nosuchfield",)}, r"'pcs' names fields its model lacks: nosuchfield"),
        ({"search": (("interfaces.nosuch", 3),)}, r"'pcs' searches 'interfaces.nosuch'"),
        ({"search": (("nosuchfield", 3),)}, r"searches unknown fields"),
        ({"search": (("interfaces.name", 0),)}, r"weight of 'interfaces.name'"),
    ],
)
def test_wrong_declarations_are_refused_with_a_reason(site: Site, options, message):
    with pytest.raises(ValueError, match=message):
        declare(site, **options)
