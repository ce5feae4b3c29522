"""The bundled equipment plugin on a site where it is installed: machines with
their FOCAS, MTConnect and CLM details written in one request, validation,
the collector and the demo data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bundled.equipment.conftest import PLUGIN, Site, machinenumber
from tests.collectors.conftest import run

pytestmark = pytest.mark.database

URL = "/api/equipment"


def body(site: Site, **values: Any) -> dict[str, Any]:
    return {
        "machinenumber": machinenumber(),
        "name": "DMU 65 monoBLOCK #9",
        "equipmenttypeid": site.lookup("equipmenttypes", "5-axis mill"),
        "controllertypeid": site.lookup("controllertypes", "Heidenhain TNC640"),
        "axiscount": 5,
        "spindlecount": 1,
        "maxworkpiece": "840 x 650 x 500 mm",
        **values,
    }


def create(site: Site, **values: Any) -> dict[str, Any]:
    response = site.editor.post(URL, json=body(site, **values))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def refused(response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()["data"]["error"]["details"]


# Install --------------------------------------------------------------------------


def test_install_registers_the_asset_type_and_seeds_the_lookups(site):
    reply = site.editor.get("/api/assettypes", query_string={"assettype": "equipment"})
    (assettype,) = reply.get_json()["data"]
    assert assettype["label"] == "Production equipment"
    assert assettype["icon"] == "gear-wide-connected"
    assert assettype["pluginname"] == PLUGIN
    types = site.editor.get("/api/equipmenttypes", query_string={"perpage": 100}).get_json()
    names = {row["equipmenttype"] for row in types["data"]}
    expected = {"5-axis mill", "lathe", "mill-turn", "grinder", "broach", "EDM"}
    assert expected | {"heat-treat oven", "washer", "other"} <= names
    controls = site.editor.get("/api/controllertypes", query_string={"perpage": 100})
    vendors = {row["controllertype"]: row["vendor"] for row in controls.get_json()["data"]}
    assert vendors["Siemens 840D"] == "Siemens" and vendors["Okuma OSP"] == "Okuma"
    assert {"Fanuc 31i", "Heidenhain TNC640", "Mitsubishi M70", "Haas NGC"} <= set(vendors)
    oses = site.editor.get("/api/controlleroses", query_string={"perpage": 100}).get_json()
    assert "Sinumerik Operate 4.8" in {row["controlleros"] for row in oses["data"]}


def test_installing_again_changes_nothing(site):
    before = site.editor.get("/api/equipmenttypes").get_json()["meta"]["pagination"]["total"]
    output = run(site.app, "plugin", "install", PLUGIN).output
    assert "already installed" in output
    after = site.editor.get("/api/equipmenttypes").get_json()["meta"]["pagination"]["total"]
    assert after == before


def test_lookups_are_written_by_admins_only(site):
    sent = {"equipmenttype": "gear hobber"}
    assert site.editor.post("/api/equipmenttypes", json=sent).status_code == 403
    assert site.admin.post("/api/equipmenttypes", json=sent).status_code == 201


# Nested protocol details -----------------------------------------------------------


def test_create_with_focas_then_change_remove_and_add_parts(site):
    record = create(site, focas={"host": "10.20.0.15"})
    assetid = record["assetid"]
    assert record["focas"] == {"host": "10.20.0.15", "port": 8193}  # the default port
    assert record["mtconnect"] is None and record["clm"] is None
    assert record["assetnumber"] == record["machinenumber"]  # defaulted

    reply = site.editor.patch(f"{URL}/{assetid}", json={"focas": {"port": 8194}})
    assert reply.status_code == 200, reply.get_json()
    assert reply.get_json()["data"]["focas"] == {"host": "10.20.0.15", "port": 8194}

    mtconnect = {"agenturl": "http://agent.plant1.local:5000/", "devicename": "M1042"}
    reply = site.editor.patch(f"{URL}/{assetid}", json={"focas": None, "mtconnect": mtconnect})
    assert reply.status_code == 200, reply.get_json()

    shown = site.editor.get(f"{URL}/{assetid}").get_json()["data"]
    assert shown["focas"] is None
    assert shown["mtconnect"] == mtconnect
    assert shown["machinenumber"] == record["machinenumber"]
    assert "relationships" in shown and "position" in shown


def test_the_list_shows_the_parts_and_filters_by_ranges(site):
    number = machinenumber("RNG")
    clm = {"host": "clm-gw01.plant1.local", "port": 7070, "path": "/clm/v1"}
    record = create(site, machinenumber=number, axiscount=9, spindlecount=3, clm=clm)
    reply = site.editor.get(URL, query_string={"axiscountmin": 9, "spindlecountmax": 3})
    rows = {row["assetid"]: row for row in reply.get_json()["data"]}
    assert rows[record["assetid"]]["clm"] == clm
    reply = site.editor.get(URL, query_string={"q": number})
    assert [row["assetid"] for row in reply.get_json()["data"]] == [record["assetid"]]


def test_a_machine_is_found_by_type_name_and_by_its_control_address(site):
    """A technician knows the type's name and the address on the control's
    screen, not ids: both find the machine."""
    number = machinenumber("FND")
    record = create(
        site,
        machinenumber=number,
        equipmenttypeid=site.lookup("equipmenttypes", "broach"),
        focas={"host": "10.99.7.41"},
        mtconnect={"agenturl": "http://agent.plant1.local:5000/", "devicename": "brc41"},
    )

    def found(**query: Any) -> list[int]:
        reply = site.editor.get(URL, query_string={"perpage": 500, **query})
        assert reply.status_code == 200, reply.get_json()
        return [row["assetid"] for row in reply.get_json()["data"]]

    assert record["assetid"] in found(equipmenttype="BROACH")
    assert record["assetid"] not in found(equipmenttype="lathe")
    assert found(focashost="10.99.7.41") == [record["assetid"]]
    assert found(mtconnectdevice="brc41") == [record["assetid"]]
    assert found(q="10.99.7.41") == [record["assetid"]]
    assert found(q="brc41") == [record["assetid"]]


def test_a_new_part_needs_its_required_fields(site):
    record = create(site)
    reply = site.editor.patch(f"{URL}/{record['assetid']}", json={"focas": {"port": 8193}})
    assert refused(reply) == {"focas.host": ["Missing data for required field."]}


# Validation -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["axiscount", "spindlecount"])
def test_negative_counts_are_refused(site, field):
    details = refused(site.editor.post(URL, json=body(site, **{field: -1})))
    assert list(details) == [field]


@pytest.mark.parametrize("port", [0, 65536])
def test_ports_out_of_range_are_refused(site, port):
    details = refused(site.editor.post(URL, json=body(site, focas={"host": "h1", "port": port})))
    assert list(details) == ["focas.port"]
    details = refused(site.editor.post(URL, json=body(site, clm={"host": "h1", "port": port})))
    assert list(details) == ["clm.port"]


@pytest.mark.parametrize("host", ["10.0.0.300", "bad_host", "-x.local", ""])
def test_malformed_hosts_are_refused(site, host):
    details = refused(site.editor.post(URL, json=body(site, focas={"host": host})))
    assert list(details) == ["focas.host"]


def test_hosts_may_be_names_or_addresses_and_are_stored_canonically(site):
    record = create(site, focas={"host": "FD00:0:0::5"}, clm={"host": "CLM01.Plant1.local."})
    assert record["focas"]["host"] == "fd00::5"
    assert record["clm"]["host"] == "clm01.plant1.local"


def test_an_unknown_equipment_type_is_refused(site):
    details = refused(site.editor.post(URL, json=body(site, equipmenttypeid=999999)))
    assert list(details) == ["equipmenttypeid"]
    details = refused(site.editor.post(URL, json=body(site, controllerosid=999999)))
    assert list(details) == ["controllerosid"]


def test_an_equipment_type_is_required(site):
    sent = body(site)
    del sent["equipmenttypeid"]
    assert refused(site.editor.post(URL, json=sent)) == {
        "equipmenttype": [
            "Missing data for required field; send equipmenttype (the name) or equipmenttypeid."
        ]
    }
    # The collector sends names only: the message names the field it can send.
    response = site.push({"machinenumber": machinenumber()})
    assert list(refused(response)) == ["equipmenttype"]


@pytest.mark.parametrize("url", ["ftp://agent:5000/", "agent.local:5000", "http://"])
def test_a_malformed_agent_url_is_refused(site, url):
    details = refused(site.editor.post(URL, json=body(site, mtconnect={"agenturl": url})))
    assert list(details) == ["mtconnect.agenturl"]


def test_a_duplicate_machine_number_is_a_conflict(site):
    first = create(site)
    sent = body(site, machinenumber=first["machinenumber"], assetnumber=machinenumber("A"))
    assert "machinenumber" in refused(site.editor.post(URL, json=sent), 409)


def test_machine_numbers_are_trimmed_and_compared_exactly(site):
    number = machinenumber()
    record = create(site, machinenumber=f"  {number} ")
    assert record["machinenumber"] == number
    # Another machine (its own asset number: MySQL compares those without case).
    other = create(site, machinenumber=number.lower(), assetnumber=machinenumber("A"))
    assert other["assetid"] != record["assetid"]


def test_lookups_may_be_given_by_name(site):
    sent = body(site, equipmenttype="LATHE", controlleros="okuma osp-p300")
    del sent["equipmenttypeid"]
    reply = site.editor.post(URL, json=sent)
    assert reply.status_code == 201, reply.get_json()
    record = reply.get_json()["data"]
    assert record["equipmenttypeid"] == site.lookup("equipmenttypes", "lathe")
    assert record["controllerosid"] == site.lookup("controlleroses", "Okuma OSP-P300")
    details = refused(site.editor.post(URL, json=body(site, equipmenttype="hovercraft")))
    assert list(details) == ["equipmenttype"]


def test_a_lookup_name_matches_exactly_before_ignoring_case(site):
    """Regression: with "hobber" and a later "HOBBER", "hobber" meant the later one."""
    tag = machinenumber("T").lower()
    first = site.admin.post("/api/equipmenttypes", json={"equipmenttype": f"hobber {tag}"})
    assert first.status_code == 201, first.get_json()
    lower = first.get_json()["data"]["equipmenttypeid"]
    second = site.admin.post("/api/equipmenttypes", json={"equipmenttype": f"HOBBER {tag}"})
    # MySQL and MariaDB refuse the variant: their unique constraint ignores case.
    assert second.status_code in (201, 409), second.get_json()
    upper = second.get_json()["data"].get("equipmenttypeid", lower)

    def typeid(spelling: str):
        sent = body(site, equipmenttype=spelling)
        del sent["equipmenttypeid"]
        return site.editor.post(URL, json=sent)

    assert create_reply(typeid(f"hobber {tag}"))["equipmenttypeid"] == lower
    assert create_reply(typeid(f"HOBBER {tag}"))["equipmenttypeid"] == upper
    if upper == lower:
        assert create_reply(typeid(f"Hobber {tag}"))["equipmenttypeid"] == lower
    else:
        (message,) = refused(typeid(f"Hobber {tag}"))["equipmenttype"]
        assert f"'hobber {tag}'" in message and f"'HOBBER {tag}'" in message


def create_reply(response) -> dict[str, Any]:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


# Collector --------------------------------------------------------------------------


def test_the_collector_creates_updates_and_leaves_alone(site):
    number = machinenumber()
    record = {
        "machinenumber": number,
        "name": "NLX 2500 #7",
        "equipmenttype": "lathe",
        "controllertype": "Siemens 840D",
        "controlleros": "Sinumerik Operate 4.8",
        "axiscount": 3,
        "spindlecount": 2,
        "serialnumber": "1300012345",
        "focas": {"host": "10.20.1.7"},
    }
    created = site.pushed(record)
    assert created["action"] == "created" and created["identityvalue"] == number
    shown = site.editor.get(f"{URL}/{created['assetid']}").get_json()["data"]
    assert shown["assetnumber"] == number
    assert shown["equipmenttypeid"] == site.lookup("equipmenttypes", "lathe")
    assert shown["focas"] == {"host": "10.20.1.7", "port": 8193}

    again = site.pushed({**record, "machinenumber": f" {number} "})
    assert again["action"] == "noop" and again["assetid"] == created["assetid"]

    changed = {**record, "focas": {"host": "10.20.1.7", "port": 8195}}
    changed["mtconnect"] = {"agenturl": "https://agent.plant1.local/", "devicename": "nlx7"}
    updated = site.pushed(changed)
    assert updated["action"] == "updated"
    assert set(updated["changes"]) == {"focas", "mtconnect"}
    assert updated["changes"]["focas"]["after"]["port"] == 8195

    removed = site.pushed({"machinenumber": number, "focas": None})
    assert removed["action"] == "updated"
    shown = site.editor.get(f"{URL}/{created['assetid']}").get_json()["data"]
    assert shown["focas"] is None and shown["mtconnect"]["devicename"] == "nlx7"
    assert shown["name"] == "NLX 2500 #7"  # fields not pushed are kept


def test_the_collector_refuses_bad_records_by_field(site):
    response = site.push({"machinenumber": machinenumber(), "equipmenttype": "hovercraft"})
    assert list(refused(response)) == ["equipmenttype"]
    response = site.push({"machinenumber": machinenumber(), "axiscount": -2})
    assert list(refused(response)) == ["axiscount"]
    response = site.push({"machinenumber": machinenumber(), "bogus": 1})
    assert list(refused(response)) == ["bogus"]


# Demo data --------------------------------------------------------------------------


def test_seed_demo_adds_machines_once(site):
    output = run(site.app, "seed", "--demo").output
    assert "equipment: Added" in output
    again = run(site.app, "seed", "--demo").output
    assert "equipment: nothing to add." in again

    def first(**query: Any) -> dict[str, Any]:
        reply = site.editor.get(URL, query_string={**query, "perpage": 1})
        return reply.get_json()["data"][0]

    grinder = first(equipmenttypeid=site.lookup("equipmenttypes", "grinder"))
    assert grinder["focas"]["port"] == 8193
    assert grinder["controllertypeid"] == site.lookup("controllertypes", "Fanuc 31i")
    lathe = first(q="LB3000", equipmenttypeid=site.lookup("equipmenttypes", "lathe"))
    assert lathe["mtconnect"]["agenturl"].startswith("http://")
    assert lathe["controllerosid"] == site.lookup("controlleroses", "Okuma OSP-P300")
    hermle = first(q="C 42 U")
    assert hermle["equipmenttypeid"] == site.lookup("equipmenttypes", "5-axis mill")
    assert hermle["machinenumber"] == hermle["assetnumber"]
