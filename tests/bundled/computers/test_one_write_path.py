"""One write path: the same computer written by a collector push, a REST
POST and the `shopdb record save` command is the same record with the same
audit entries; only who wrote it (the actor) and the collector's sighting
(`lastseen`) differ, by design."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import AuditLog
from tests.bundled.computers.conftest import Site, hostname, mac
from tests.collectors.conftest import run

pytestmark = pytest.mark.database

# Differ by design: keys, times, and the collector's sighting.
VOLATILE = {"assetid", "computerinterfaceid", "createdat", "modifiedat", "lastseen"}


def body(name: str, address: str) -> dict[str, Any]:
    return {
        "hostname": name,
        "serialnumber": f"SN-{name}",
        "operatingsystem": "Windows 11 Enterprise 10.0.22631",
        "loggedinuser": "SHOP\\op1",
        "cpu": "Intel Core i5-13500",
        "memorymb": 16384,
        "interfaces": [{"name": "Ethernet", "macaddress": address, "ipaddress": "10.9.8.7"}],
    }


def scrub(value: Any, name: str, address: str) -> Any:
    """The value with keys, times and this write's own identity taken out."""
    if isinstance(value, dict):
        return {
            key: scrub(item, name, address) for key, item in value.items() if key not in VOLATILE
        }
    if isinstance(value, list):
        return [scrub(item, name, address) for item in value]
    if isinstance(value, str):
        for own, shown in ((name.lower(), "HOST"), (name.upper(), "HOST"), (address, "MAC")):
            value = value.replace(own, shown)
    return value


def last_entry(site: Site) -> int:
    with site.app.app_context():
        return get_session().scalar(select(func.max(AuditLog.auditlogid))) or 0


def entries_after(site: Site, first: int, name: str, address: str) -> list[Any]:
    with site.app.app_context():
        rows = get_session().scalars(
            select(AuditLog).where(AuditLog.auditlogid > first).order_by(AuditLog.auditlogid)
        )
        return [
            (row.action, row.entitytype, scrub(row.changes, name, address), row.username)
            for row in rows
        ]


def test_collector_rest_and_command_write_the_same_record_and_audit(site: Site):
    site.pushed(body(hostname().lower(), mac()))  # the operating system exists from here on
    written = {}
    for road in ("collector", "rest", "command"):
        name, address = hostname().lower(), mac()
        first = last_entry(site)
        if road == "collector":
            assetid = site.pushed(body(name, address))["assetid"]
        elif road == "rest":
            response = site.editor.post("/api/computers", json=body(name, address))
            assert response.status_code == 201, response.get_json()
            assetid = response.get_json()["data"]["assetid"]
        else:
            result = run(site.app, "record", "save", "computers", json.dumps(body(name, address)))
            assetid = json.loads(result.output)["assetid"]
        record = site.editor.get(f"/api/computers/{assetid}").get_json()["data"]
        entries = entries_after(site, first, name, address)
        written[road] = (scrub(record, name, address), [entry[:3] for entry in entries])
        written[f"{road} by"] = {entry[3] for entry in entries}
    assert written["collector"] == written["rest"] == written["command"]
    assert [entry[:2] for entry in written["rest"][1]] == [
        ("create", "assets"),
        ("create", "computers"),
        ("create", "computerinterfaces"),
    ]
    assert written["collector by"] == {"collector:computers"}
    assert written["rest by"] == {"testeditor"}
    (command_by,) = written["command by"]
    assert command_by.startswith("cli:")


def test_collector_rest_and_command_change_a_record_alike(site: Site):
    """The same change (fields, and a new network interface for the old one)
    made by each road leaves the same record and the same audit entries."""
    site.pushed(body(hostname().lower(), mac()))  # the operating system exists from here on
    written = {}
    for road in ("collector", "rest", "command"):
        name, address, replaced = hostname().lower(), mac(), mac()
        assetid = site.pushed(body(name, address))["assetid"]
        change = {
            **body(name, replaced),
            "loggedinuser": "SHOP\\op2",
            "memorymb": 32768,
        }
        first = last_entry(site)
        if road == "collector":
            assert site.pushed(change)["action"] == "updated"
        elif road == "rest":
            response = site.editor.patch(f"/api/computers/{assetid}", json=change)
            assert response.status_code == 200, response.get_json()
        else:
            command = ("record", "save", "computers", json.dumps(change), "--id", str(assetid))
            assert json.loads(run(site.app, *command).output)["action"] == "updated"
        record = site.editor.get(f"/api/computers/{assetid}").get_json()["data"]
        entries = entries_after(site, first, name, address)
        # The new interface's MAC address differs by road too.
        entries = [tuple(scrub(list(entry), replaced, replaced)) for entry in entries]
        record = scrub(scrub(record, name, address), replaced, replaced)
        written[road] = (record, [entry[:3] for entry in entries])
    assert written["collector"] == written["rest"] == written["command"]
    assert [entry[:2] for entry in written["rest"][1]] == [
        ("update", "computers"),
        ("delete", "computerinterfaces"),
        ("create", "computerinterfaces"),
    ]
