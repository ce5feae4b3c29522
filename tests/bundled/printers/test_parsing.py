"""What the Zabbix sync makes of item keys, values, clocks and hosts: pure
functions, no server."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import shopdb.bundled
from tests.plugins.conftest import plugins_forgotten

CLOCK = "1796638306"
FOLDER = Path(shopdb.bundled.__file__).parent / "printers"


@pytest.fixture(scope="module")
def zabbix() -> Iterator[Any]:
    """The sync's module, imported for these tests and forgotten after them
    (with the plugin's tables, which must not reach other tests)."""
    with plugins_forgotten(FOLDER):
        yield importlib.import_module("shopdb.bundled.printers.zabbix")


AT = datetime(2026, 12, 7, 10, 11, 46)


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("supply.level[black]", ("supply.level", "black", "black")),
        ("supply.level[Black]", ("supply.level", "Black", "black")),
        ("supply.level[black toner,black]", ("supply.level", "black toner", "black")),
        ('supply.level["Drum Unit", ]', ("supply.level", "Drum Unit", None)),
        ("supply.level[ribbon]", ("supply.level", "ribbon", None)),
        ("supply.max[black toner]", ("supply.max", "black toner", None)),
        ("supply.level[]", None),
        ("supply.levels[black]", None),
        ("printer.pages", None),
        ("supply.level[" + "x" * 101 + "]", None),
    ],
)
def test_item_keys(key, parsed, zabbix):
    assert zabbix.parse_key(key) == parsed


@pytest.mark.parametrize(("value", "level"), [("0", 0.0), ("100", 100.0), ("41.256", 41.26)])
def test_levels_in_range(value, level, zabbix):
    assert zabbix.parse_level(value, "k") == level


@pytest.mark.parametrize("value", ["-1", "100.01", "150", "abc", "", None, "nan", "inf"])
def test_levels_out_of_range_or_not_numbers(value, zabbix):
    with pytest.raises(zabbix.HostError) as caught:
        zabbix.parse_level(value, "supply.level[black]")
    assert caught.value.outcome == zabbix.INVALID
    assert "supply.level[black]" in str(caught.value)


def test_clocks(zabbix):
    assert zabbix.parse_clock(CLOCK) == AT
    assert zabbix.parse_clock("0") is None
    assert zabbix.parse_clock(None) is None


def item(key: str, value: str, clock: str = CLOCK) -> dict:
    return {"key_": key, "lastvalue": value, "lastclock": clock}


def test_readings_join_levels_and_capacities(zabbix):
    found = zabbix.readings(
        [
            item("supply.level[cyan toner,cyan]", "7"),
            item("supply.level[black toner,black]", "42.5"),
            item("supply.max[black toner]", "11000"),
            item("supply.max[cyan toner]", "-2"),  # Printer-MIB: unknown
            item("supply.level[magenta toner,magenta]", "0", clock="0"),  # no value yet
            item("printer.pages", "12345"),
        ]
    )
    assert found == [
        zabbix.Reading("black toner", "black", 42.5, 11000, AT),
        zabbix.Reading("cyan toner", "cyan", 7.0, None, AT),
    ]


def test_a_host_without_supply_items_or_values(zabbix):
    with pytest.raises(zabbix.HostError, match="no supply items") as caught:
        zabbix.readings([item("printer.pages", "1")])
    assert caught.value.outcome == zabbix.NO_SUPPLIES
    with pytest.raises(zabbix.HostError, match="no values yet"):
        zabbix.readings([item("supply.level[black]", "0", clock="0")])


def test_one_bad_value_refuses_the_whole_host(zabbix):
    with pytest.raises(zabbix.HostError, match=r"is 150, outside 0\.\.100"):
        zabbix.readings([item("supply.level[black]", "40"), item("supply.level[cyan]", "150")])


@pytest.mark.parametrize(
    ("host", "status"),
    [
        (
            {"status": "1", "interfaces": [{"type": "2", "main": "1", "available": "1"}]},
            "unmonitored",
        ),
        (
            {"status": "0", "interfaces": [{"type": "2", "main": "1", "available": "1"}]},
            "available",
        ),
        (
            {"status": "0", "interfaces": [{"type": "2", "main": "1", "available": "2"}]},
            "unavailable",
        ),
        ({"status": "0", "interfaces": [{"type": "2", "main": "1", "available": "0"}]}, "unknown"),
        (
            {
                "status": "0",
                "interfaces": [
                    {"type": "1", "main": "1", "available": "2"},
                    {"type": "2", "main": "1", "available": "1"},
                ],
            },
            "available",
        ),
        ({"status": "0", "interfaces": []}, "unknown"),
    ],
)
def test_host_status(host, status, zabbix):
    assert zabbix.host_status(host) == status


def test_hosts_and_names(zabbix):
    host = zabbix.parse_host(
        {
            "hostid": "10601",
            "host": "PRN-A1-01",
            "name": "Label printer A1",
            "status": "0",
            "interfaces": [{"ip": "10.30.1.5", "type": "2", "main": "1", "available": "1"}],
        }
    )
    assert (host.hostid, host.ips, host.status) == (10601, ("10.30.1.5",), "available")
    assert zabbix.names_of("prn-a1-01.plant1.local") == {"prn-a1-01.plant1.local", "prn-a1-01"}
