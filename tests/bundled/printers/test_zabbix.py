"""The Zabbix sync against a real Zabbix 6.0 server (started by .ci/run):
levels synced, an unchanged second sync writes nothing, a printer Zabbix
does not know, a host without supply items, a value out of range, two hosts
for one address, a wrong token, an unreachable server, the server stopped in
the middle of a sync, and the command with --create-from-group."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.cli.support import cli_actor
from shopdb.database import get_session
from shopdb.models import AuditLog
from shopdb.testing.sites import invoke
from tests.bundled.printers.conftest import PLUGIN
from tests.bundled.printers.zabbixserver import (
    URL,
    Zabbix,
    loopback_ip,
    needs_zabbix,
    second_frontend,
    stop,
    unique,
    zabbix_session,
)
from tests.bundled.support import installed_site

pytestmark = [pytest.mark.database, pytest.mark.slow, needs_zabbix]

BLACK, CYAN, BLACK_MAX = (
    "supply.level[black toner,black]",
    "supply.level[cyan toner,cyan]",
    "supply.max[black toner]",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    with installed_site(PLUGIN, tmp_path_factory) as installed:
        yield installed


@pytest.fixture(scope="module")
def sync(site) -> Any:
    """The sync's module as the site loaded it: importing it at the top would
    leave the plugin's tables in the metadata of every later test."""
    return importlib.import_module("shopdb.bundled.printers.zabbix")


@pytest.fixture(scope="module")
def zabbix() -> Iterator[Zabbix]:
    with zabbix_session() as session:
        yield session


def printer(site, name: str, ip: str | None = None) -> dict[str, Any]:
    body = {"hostname": name, **({"ipaddress": ip} if ip else {})}
    response = site.editor.post("/api/printers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def shown(site, record: dict[str, Any]) -> dict[str, Any]:
    return site.editor.get(f"/api/printers/{record['assetid']}").get_json()["data"]


def supplies(record: dict[str, Any]) -> list[tuple]:
    return sorted(
        (row["name"], row["color"], row["levelpercent"], row["maxcapacity"])
        for row in record["supplies"]
    )


def run_sync(site, sync, token: str, url: str = URL, progress=None) -> dict[str, Any]:
    with site.app.app_context():
        connection = sync.ZabbixConnection(url, token)
        outcomes = sync.sync_printers(get_session(), connection, progress, actor=cli_actor())
    return {outcome.name: outcome for outcome in outcomes}


def audit_entries(site) -> int:
    with site.app.app_context():
        return get_session().scalar(select(func.count()).select_from(AuditLog))


def test_levels_are_synced_and_an_unchanged_second_sync_writes_nothing(site, zabbix, sync):
    name, ip = unique("PRN-ZA"), loopback_ip()
    hostid = zabbix.host(name, ip, (BLACK, CYAN, BLACK_MAX))
    zabbix.send(name, {BLACK: 42.5, CYAN: 7, BLACK_MAX: 11000})
    record = printer(site, name, ip)
    key = name.lower()

    outcome = run_sync(site, sync, zabbix.token)[key]
    assert outcome.result == sync.UPDATED, outcome.line()
    assert "black toner 42.5 %" in outcome.message and "cyan toner 7 %" in outcome.message
    first = shown(site, record)
    assert supplies(first) == [
        ("black toner", "black", 42.5, 11000),
        ("cyan toner", "cyan", 7.0, None),
    ]
    assert first["zabbixhostid"] == int(hostid)
    assert first["monitoringstatus"] == "unknown"  # pollers are off: SNMP never checked
    assert first["lastzabbixsync"] is not None
    assert all(row["lastvalueat"] for row in first["supplies"])

    before = audit_entries(site)
    again = run_sync(site, sync, zabbix.token)[key]
    assert again.result == sync.UNCHANGED, again.line()
    assert audit_entries(site) == before
    assert shown(site, record) == first

    zabbix.send(name, {CYAN: 5})
    changed = run_sync(site, sync, zabbix.token)[key]
    assert changed.result == sync.UPDATED, changed.line()
    after = shown(site, record)
    assert supplies(after) == [
        ("black toner", "black", 42.5, 11000),
        ("cyan toner", "cyan", 5.0, None),
    ]
    black = [row for row in after["supplies"] if row["name"] == "black toner"]
    assert black == [row for row in first["supplies"] if row["name"] == "black toner"]


def test_a_printer_zabbix_does_not_know_is_reported(site, zabbix, sync):
    record = printer(site, unique("PRN-NOWHERE"), loopback_ip())
    outcome = run_sync(site, sync, zabbix.token)[record["hostname"]]
    assert outcome.result == sync.NOT_FOUND
    assert outcome.message == "no Zabbix host has its IP or host name"
    assert shown(site, record)["zabbixhostid"] is None


def test_bad_hosts_are_reported_and_the_others_still_synced(site, zabbix, sync):
    bare, wrong, good = unique("PRN-BARE"), unique("PRN-WRONG"), unique("PRN-GOOD")
    zabbix.host(bare, loopback_ip(), ("printer.pages",))
    zabbix.host(wrong, loopback_ip(), (BLACK,))
    zabbix.host(good, loopback_ip(), (BLACK,))
    zabbix.send(wrong, {BLACK: 50})
    records = {name: printer(site, name) for name in (bare, wrong, good)}  # by host name
    first = run_sync(site, sync, zabbix.token)
    assert first[wrong.lower()].result == sync.UPDATED

    zabbix.send(wrong, {BLACK: 150})
    zabbix.send(good, {BLACK: 61})
    outcomes = run_sync(site, sync, zabbix.token)
    assert outcomes[bare.lower()].result == sync.NO_SUPPLIES
    assert "no supply items" in outcomes[bare.lower()].message
    assert outcomes[wrong.lower()].result == sync.INVALID
    assert "is 150" in outcomes[wrong.lower()].message
    assert "outside 0..100" in outcomes[wrong.lower()].message
    assert supplies(shown(site, records[wrong])) == [("black toner", "black", 50.0, None)]
    assert outcomes[good.lower()].result == sync.UPDATED
    assert supplies(shown(site, records[good])) == [("black toner", "black", 61.0, None)]
    assert shown(site, records[bare])["zabbixhostid"] is None


def test_two_hosts_with_the_printers_address_are_ambiguous(site, zabbix, sync):
    ip = loopback_ip()
    zabbix.host(unique("PRN-TWIN"), ip, (BLACK,))
    zabbix.host(unique("PRN-TWIN"), ip, (BLACK,))
    record = printer(site, unique("PRN-SHARED"), ip)
    outcome = run_sync(site, sync, zabbix.token)[record["hostname"]]
    assert outcome.result == sync.AMBIGUOUS
    assert "IP address matches several Zabbix hosts" in outcome.message


def test_a_wrong_token_and_an_unreachable_server_are_clear(site, zabbix, sync):
    with pytest.raises(sync.ZabbixError, match="refused the API token"):
        sync.ZabbixConnection(URL, "0" * 64)
    with second_frontend() as (url, process):
        stop(process)
        with pytest.raises(sync.ZabbixError, match="cannot be reached"):
            sync.ZabbixConnection(url, zabbix.token)


def test_the_server_stopped_mid_sync_keeps_what_was_synced(site, zabbix, sync):
    names = [f"ZZ-STOP-{index}-{unique('P')}" for index in range(3)]
    records = {}
    for index, name in enumerate(names):
        zabbix.host(name, loopback_ip(), (BLACK,))
        zabbix.send(name, {BLACK: 10 + index})
        records[name] = printer(site, name)
    with second_frontend() as (url, process):

        def progress(outcome: Any) -> None:
            if outcome.name == names[0].lower():
                stop(process)  # the API server goes away after the first of the three

        outcomes = run_sync(site, sync, zabbix.token, url, progress)
    first, second, third = (outcomes[name.lower()] for name in names)
    assert first.result == sync.UPDATED, first.line()
    assert second.result == sync.FAILED
    assert "cannot be reached" in second.message
    assert (third.result, third.message) == (
        sync.SKIPPED,
        "not synced: the Zabbix server stopped answering",
    )
    assert supplies(shown(site, records[names[0]])) == [("black toner", "black", 10.0, None)]
    assert shown(site, records[names[1]])["supplies"] == []
    # The server back: the rest are synced and the first stays as it is.
    outcomes = run_sync(site, sync, zabbix.token)
    assert [outcomes[name.lower()].result for name in names] == [
        sync.UNCHANGED,
        sync.UPDATED,
        sync.UPDATED,
    ]


def test_the_command_creates_printers_from_a_host_group(site, zabbix, monkeypatch, sync):
    groupid = zabbix.api.hostgroup.create(name=unique("ShopDB new printers"))["groupids"][0]
    group = zabbix.api.hostgroup.get(groupids=[groupid], output=["name"])[0]["name"]
    new, odd = unique("PRN-NEW"), f"Printer_{unique('X')}"
    ip = loopback_ip()
    zabbix.host(new, ip, (BLACK,), groupid=groupid)
    zabbix.host(odd, loopback_ip(), (BLACK,), groupid=groupid)
    zabbix.send(new, {BLACK: 33})
    monkeypatch.setenv("SHOPDB_ZABBIX_URL", URL)
    monkeypatch.setenv("SHOPDB_ZABBIX_TOKEN", zabbix.token)
    try:
        dry = invoke(site.app, "printers", "sync-zabbix", "--create-from-group", group, "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert f"{new}: would create (hostname {new.lower()})" in dry.output
        assert f"{odd}: invalid value (cannot be a printer" in dry.output
        assert "Syncing" not in dry.output
        listed = site.editor.get("/api/printers", query_string={"hostname": new})
        assert listed.get_json()["data"] == []

        real = invoke(site.app, "printers", "sync-zabbix", "--create-from-group", group)
        assert real.exit_code == 0, real.output
        assert f"{new}: created (hostname {new.lower()})" in real.output
        assert f"{new.lower()}: updated (host {new}, unknown; black toner 33 %)" in real.output
        (row,) = site.editor.get("/api/printers", query_string={"hostname": new}).get_json()["data"]
        assert (row["ipaddress"], row["zabbixhostid"]) == (ip, int(zabbix.hosts[new]))

        again = invoke(site.app, "printers", "sync-zabbix", "--create-from-group", group)
        assert f"{new}: known (printer {new.lower()})" in again.output
        assert f"{new.lower()}: unchanged" in again.output
    finally:
        zabbix.api.host.delete(zabbix.hosts.pop(new), zabbix.hosts.pop(odd))
        zabbix.api.hostgroup.delete(groupid)
