"""The computers plugin through its API and its collector: install, records
with interfaces, validation, hostname identity, lastseen, operating systems
by name, and a PC's position taken from the machine it controls."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import AssetStatus, AssetType, AuditLog, OperatingSystem
from tests import factories
from tests.bundled.computers.conftest import hostname, mac

pytestmark = pytest.mark.database


def created(site, **values: Any) -> dict[str, Any]:
    body = {"hostname": hostname(), **values}
    response = site.editor.post("/api/computers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def type_id(site, name: str) -> int:
    response = site.editor.get("/api/computertypes", query_string={"computertype": name})
    (row,) = response.get_json()["data"]
    return row["computertypeid"]


# Install -------------------------------------------------------------------------


def test_install_registers_the_asset_type_and_seeds_the_types(site):
    with site.app.app_context():
        kind = get_session().scalar(select(AssetType).where(AssetType.assettype == "computer"))
        assert (kind.label, kind.pluginname, kind.icon) == ("Computer", "computers", "pc-display")
    names = {
        row["computertype"] for row in site.editor.get("/api/computertypes").get_json()["data"]
    }
    assert names == {"shop-floor PC", "engineering workstation", "CMM PC", "kiosk", "server"}


def test_computer_types_are_written_by_admins_only(site):
    body = {"computertype": f"test bench {hostname()}"}
    assert site.editor.post("/api/computertypes", json=body).status_code == 403
    assert site.admin.post("/api/computertypes", json=body).status_code == 201


# Records -------------------------------------------------------------------------


def test_a_computer_and_its_interfaces_are_written_in_one_request(site):
    first, second = mac(), mac()
    record = created(
        site,
        hostname="Cell-PC-Test",
        assetnumber=f"T-{hostname()}",
        computertypeid=type_id(site, "shop-floor PC"),
        operatingsystem="Windows 11 Enterprise 10.0.22631",
        cpu="Intel Core i5-13500",
        memorymb=16384,
        diskgb=512,
        warrantyend="2027-03-31",
        interfaces=[
            {
                "name": "Ethernet",
                "macaddress": first.upper().replace(":", "-"),
                "ipaddress": "10.20.1.5",
            },
            {"name": "Ethernet 2", "macaddress": second, "ipaddress": None},
        ],
    )
    assert record["hostname"] == "cell-pc-test"
    assert record["lastseen"] is None  # an API write is not a sighting
    assert [(row["name"], row["macaddress"], row["ipaddress"]) for row in record["interfaces"]] == [
        ("Ethernet", first, "10.20.1.5"),
        ("Ethernet 2", second, None),
    ]
    url = f"/api/computers/{record['assetid']}"
    response = site.editor.patch(
        url, json={"memorymb": 32768, "interfaces": [{"name": "LAN", "macaddress": second}]}
    )
    assert response.status_code == 200, response.get_json()
    shown = site.editor.get(url).get_json()["data"]
    assert shown["memorymb"] == 32768
    assert [(row["name"], row["macaddress"]) for row in shown["interfaces"]] == [("LAN", second)]
    listed = site.editor.get("/api/computers", query_string={"hostname": "cell-pc-test"})
    assert [row["assetid"] for row in listed.get_json()["data"]] == [record["assetid"]]
    found = site.editor.get("/api/computers", query_string={"q": "cell-pc-test"})
    assert record["assetid"] in [row["assetid"] for row in found.get_json()["data"]]
    ranged = site.editor.get(
        "/api/computers", query_string={"memorymbmin": 32000, "hostname": "cell-pc-test"}
    )
    assert len(ranged.get_json()["data"]) == 1
    assert site.editor.delete(url).status_code in (200, 204)


def test_a_hostname_typed_with_its_domain_is_the_pc_the_script_pushes(site):
    """The inventory scripts push the short name; a technician may type the
    full one. Both are one computer, found by either."""
    name = hostname()
    record = created(site, hostname=f"{name}.Plant1.local.")
    assert record["hostname"] == name.lower()
    assert record["assetnumber"] == name.upper()
    pushed = site.pushed({"hostname": name, "cpu": "Intel Core i7-13700"})
    assert (pushed["action"], pushed["assetid"]) == ("updated", record["assetid"])
    listed = site.editor.get("/api/computers", query_string={"hostname": f"{name}.plant1.local"})
    assert [row["assetid"] for row in listed.get_json()["data"]] == [record["assetid"]]


def test_a_text_longer_than_every_database_holds_is_refused(site):
    """65,535 bytes is what MySQL and MariaDB keep in a text column; the same
    limit holds on every database, counted in UTF-8."""
    fits = site.editor.post("/api/computers", json={"hostname": hostname(), "notes": "x" * 65535})
    assert fits.status_code == 201, fits.get_json()
    for notes in ("x" * 65536, "\N{GEAR}" * 21846):  # 3 bytes each: 65,538
        response = site.editor.post("/api/computers", json={"hostname": hostname(), "notes": notes})
        assert response.status_code == 400, response.get_json()
        assert "65535 bytes" in response.get_json()["data"]["error"]["details"]["notes"][0]


def test_types_and_systems_are_written_and_found_by_name(site):
    name = hostname()
    system = f"Windows 11 IoT Enterprise LTSC {name}"
    record = created(site, hostname=name, computertype="Kiosk", operatingsystem=system)
    assert record["computertypeid"] == type_id(site, "kiosk")

    def found(**query: Any) -> list[int]:
        reply = site.editor.get("/api/computers", query_string={"perpage": 500, **query})
        assert reply.status_code == 200, reply.get_json()
        return [row["assetid"] for row in reply.get_json()["data"]]

    assert record["assetid"] in found(computertype="KIOSK")
    assert record["assetid"] not in found(computertype="server")
    assert found(operatingsystem=system.lower()) == [record["assetid"]]
    unknown = site.editor.post("/api/computers", json={"hostname": hostname(), "computertype": "x"})
    assert unknown.status_code == 400
    assert "kiosk" in unknown.get_json()["data"]["error"]["details"]["computertype"][0]


def test_a_new_computer_is_numbered_and_named_after_its_hostname(site):
    name = hostname()
    data = created(site, hostname=name)
    assert (data["assetnumber"], data["name"]) == (name.upper(), data["hostname"])
    named = created(site, name="Lathe 4 PC")
    assert named["name"] == "Lathe 4 PC"


def test_hostnames_are_unique_whatever_the_case(site):
    name = hostname()
    created(site, hostname=name)
    response = site.editor.post("/api/computers", json={"hostname": name.lower()})
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["data"]["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interfaces": [{"name": "eth0", "macaddress": "00:11:22:33:44"}]}, "macaddress"),
        ({"interfaces": [{"name": "eth0", "macaddress": "zz:11:22:33:44:55"}]}, "macaddress"),
        (
            {
                "interfaces": [
                    {"name": "eth0", "macaddress": "06:00:00:00:00:01", "ipaddress": "10.0.0.256"}
                ]
            },
            "ipaddress",
        ),
    ],
)
def test_malformed_addresses_are_refused_with_field_messages(site, body, field):
    response = site.editor.post("/api/computers", json={"hostname": hostname(), **body})
    assert response.status_code == 400, response.get_json()
    details = response.get_json()["data"]["error"]["details"]
    assert f"interfaces.0.{field}" in details, details


@pytest.mark.parametrize("field", ["memorymb", "diskgb"])
def test_negative_sizes_are_refused(site, field):
    response = site.editor.post("/api/computers", json={"hostname": hostname(), field: -1})
    assert response.status_code == 400
    assert field in response.get_json()["data"]["error"]["details"]


def test_an_unknown_computer_type_is_refused_naming_the_field(site):
    response = site.editor.post(
        "/api/computers", json={"hostname": hostname(), "computertypeid": 999999}
    )
    assert response.status_code == 400, response.get_json()
    assert "computertypeid" in response.get_json()["data"]["error"]["details"]


def test_a_malformed_hostname_is_refused(site):
    response = site.editor.post("/api/computers", json={"hostname": "PC_01 bad"})
    assert response.status_code == 400
    assert "hostname" in response.get_json()["data"]["error"]["details"]


# Collector -----------------------------------------------------------------------


def test_pushes_create_update_and_change_nothing(site):
    name, first, second = hostname(), mac(), mac()
    record = {
        "hostname": name,
        "serialnumber": "SN-1",
        "operatingsystem": "Ubuntu 22.04.4 LTS",
        "loggedinuser": "SHOP\\operator",
        "cpu": "Intel Core i5-12500T",
        "memorymb": 8192,
        "diskgb": 256,
        "interfaces": [
            {"name": "eth0", "macaddress": first, "ipaddress": "10.1.2.3"},
            {"name": "eth1", "macaddress": second},
        ],
    }
    reply = site.pushed(record)
    assert (reply["action"], reply["identityvalue"]) == ("created", name.lower())
    url = f"/api/computers/{reply['assetid']}"
    shown = site.editor.get(url).get_json()["data"]
    assert shown["assetnumber"] == name.upper()
    assert shown["serialnumber"] == "SN-1"
    seen = shown["lastseen"]
    assert seen is not None

    again = site.pushed({**record, "hostname": f" {name.lower()} "})
    assert (again["action"], again["assetid"]) == ("noop", reply["assetid"])
    # Last seen means last seen: a noop stamps it (not audited, not a change).
    unchanged = site.editor.get(url).get_json()["data"]
    assert unchanged["lastseen"] > seen
    assert unchanged["modifiedat"] == shown["modifiedat"]
    seen = unchanged["lastseen"]

    with site.app.app_context():
        entries = get_session().scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entityid == str(reply["assetid"]))
        )
    changed = site.pushed(
        {**record, "memorymb": 16384, "interfaces": [{"name": "eth0", "macaddress": first}]}
    )
    assert changed["action"] == "updated"
    assert {"memorymb", "interfaces", "lastseen"} <= set(changed["changes"])
    shown = site.editor.get(url).get_json()["data"]
    assert shown["memorymb"] == 16384
    assert shown["lastseen"] > seen
    assert [(row["name"], row["macaddress"], row["ipaddress"]) for row in shown["interfaces"]] == [
        ("eth0", first, "10.1.2.3")
    ]
    with site.app.app_context():
        later = get_session().scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entityid == str(reply["assetid"]))
        )
    assert later > entries


def test_the_collector_and_the_api_agree_on_the_hostname(site):
    name = hostname()
    record = created(site, hostname=name)
    reply = site.pushed({"hostname": name.lower(), "cpu": "AMD Ryzen 5 PRO 5650GE"})
    assert (reply["action"], reply["assetid"]) == ("updated", record["assetid"])


def test_an_operating_system_is_resolved_by_name_and_created_once(site):
    system = f"Windows 11 Enterprise 10.0.{hostname()}"
    replies = [site.pushed({"hostname": hostname(), "operatingsystem": system}) for _ in range(2)]
    with site.app.app_context():
        session = get_session()
        rows = session.scalars(
            select(OperatingSystem).where(OperatingSystem.operatingsystem == system)
        ).all()
        assert len(rows) == 1
        audited = session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(
                AuditLog.entitytype == "operatingsystems",
                AuditLog.entityid == str(rows[0].operatingsystemid),
            )
        )
        assert audited == 1
    for reply in replies:
        shown = site.editor.get(f"/api/computers/{reply['assetid']}").get_json()["data"]
        assert shown["operatingsystemid"] == rows[0].operatingsystemid


def test_an_operating_system_differing_in_case_is_reused_not_created(site):
    """Regression: "windows 10 ..." created a second row next to "Windows 10 ..."."""
    system = f"Windows 10 Enterprise LTSC 10.0.{hostname()}"
    first = site.pushed({"hostname": hostname(), "operatingsystem": system})
    second = site.pushed({"hostname": hostname(), "operatingsystem": system.lower()})
    with site.app.app_context():
        query = select(OperatingSystem).where(
            func.lower(OperatingSystem.operatingsystem) == system.lower()
        )
        (row,) = get_session().scalars(query).all()
    for reply in (first, second):
        shown = site.editor.get(f"/api/computers/{reply['assetid']}").get_json()["data"]
        assert shown["operatingsystemid"] == row.operatingsystemid


def test_pushes_are_checked_against_the_schema(site):
    response = site.push({"hostname": hostname(), "manufacturer": "Dell", "memorymb": -5})
    assert response.status_code == 400
    details = response.get_json()["data"]["error"]["details"]
    assert {"manufacturer", "memorymb"} <= set(details)
    response = site.push(
        {"hostname": hostname(), "interfaces": [{"name": "eth0", "macaddress": "not-a-mac!!"}]}
    )
    assert response.status_code == 400, response.get_json()


# Position ------------------------------------------------------------------------


def test_a_pc_shows_the_position_of_the_machine_it_controls(site):
    with site.app.app_context():
        session = get_session()
        # A type of the core's (no plugin owns it), so /api/assets may create one.
        kind = factories.asset_type(session, "testmachine").assettypeid
        active = session.scalar(
            select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == "active")
        )
        session.commit()
    machine = site.editor.post(
        "/api/assets",
        json={
            "assetnumber": f"M-{hostname()}",
            "name": "DMU 50",
            "assettypeid": kind,
            "assetstatusid": active,
            "mapx": 420.0,
            "mapy": 310.0,
        },
    )
    assert machine.status_code == 201, machine.get_json()
    machineid = machine.get_json()["data"]["assetid"]
    pc = created(site)
    relation = site.editor.get(
        "/api/relationshiptypes", query_string={"relationshiptype": "controls"}
    ).get_json()["data"]
    edge = site.editor.post(
        "/api/assetrelationships",
        json={
            "sourceassetid": pc["assetid"],
            "targetassetid": machineid,
            "relationshiptypeid": relation[0]["relationshiptypeid"],
        },
    )
    assert edge.status_code == 201, edge.get_json()
    position = site.editor.get(f"/api/computers/{pc['assetid']}").get_json()["data"]["position"]
    assert position["rule"] == "related"
    assert (position["mapx"], position["mapy"]) == (420.0, 310.0)
    assert position.get("assetid", machineid) == machineid
