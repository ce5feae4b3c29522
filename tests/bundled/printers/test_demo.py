"""`shopdb seed --demo` with the printers plugin: a printer row for each of
the demo's 15 printers, typed by model, with supply levels (some low), the
same on every run, and nothing added the second time."""

from __future__ import annotations

import pytest

from tests.collectors.conftest import run

pytestmark = pytest.mark.database

DEMO_PRINTERS = 15


def demo_printers(site) -> dict[str, dict]:
    reply = site.admin.get("/api/printers", query_string={"perpage": 100}).get_json()
    return {row["name"]: row for row in reply["data"]}


def test_seed_demo_adds_the_printers_once(site):
    output = run(site.app, "seed", "--demo").output
    assert f"printers: Added {DEMO_PRINTERS} printers with" in output
    printers = demo_printers(site)
    assert len(printers) == DEMO_PRINTERS
    types = {
        row["printertypeid"]: row["printertype"]
        for row in site.admin.get("/api/printertypes").get_json()["data"]
    }
    for name, row in printers.items():
        detail = site.admin.get(f"/api/printers/{row['assetid']}").get_json()["data"]
        model = site.admin.get(f"/api/models/{detail['modelid']}").get_json()["data"]
        kind = types[row["printertypeid"]]
        expected = {"Z": "label", "L": "laser", "C": "laser", "V": "MFP", "A": "MFP"}
        assert kind == expected[model["modelnumber"][0]], (name, model["modelnumber"])
        assert row["hostname"] == name.lower() and row["queuename"] == name
        assert row["ipaddress"].startswith("10.30.")
        assert detail["supplies"], name
        assert all(0 <= supply["levelpercent"] <= 100 for supply in detail["supplies"])
    assert len({row["ipaddress"] for row in printers.values()}) == DEMO_PRINTERS
    low = site.admin.get("/api/printers/lowsupplies").get_json()["data"]
    assert low, "the demo shows a low-supply list"

    again = run(site.app, "seed", "--demo").output
    assert "printers: nothing to add." in again
    assert demo_printers(site) == printers
