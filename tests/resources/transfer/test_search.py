"""GET /api/search over every asset class of the demo site: identities in
any spelling first, grouped by resource, permissions respected."""

from __future__ import annotations

import pytest

from shopdb.database import get_database
from shopdb.testing.databases import count_queries

pytestmark = pytest.mark.database


def search(site, q: str, caller=None, **extra):
    caller = caller or site.callers["viewer"]
    response = caller.get("/api/search", query_string={"q": q, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def a_computer(site) -> dict:
    reply = site.admin.get("/api/computers", query_string={"perpage": 1}).get_json()
    return reply["data"][0]


def test_identities_in_any_spelling_come_first(demo):
    pc = a_computer(demo)
    mac = pc["interfaces"][0]["macaddress"]
    for q in (
        pc["hostname"].upper() + ".plant1.local",
        pc["assetnumber"].lower(),
        mac.replace(":", "-").upper(),
        mac.replace(":", ""),
    ):
        groups = search(demo, q)
        first = groups[0]
        assert first["resource"] == "computers", (q, groups)
        top = first["results"][0]
        assert top["id"] == pc["assetid"] and top["match"] == "exact", (q, top)
        assert top["url"] == f"/api/computers/{pc['assetid']}"
        assert top["uiurl"] == f"/computers/{pc['assetid']}"


def test_prefix_before_substring_and_groups(demo):
    groups = search(demo, "DMU", limit=50)
    names = [group["resource"] for group in groups]
    assert "equipment" in names and len(names) == len(set(names))
    for group in groups:
        tiers = [
            {"exact": 3, "prefix": 2, "substring": 1}[row["match"]] for row in group["results"]
        ]
        assert tiers == sorted(tiers, reverse=True)
    # A computer is found as a computer, not again as a plain asset.
    pc = a_computer(demo)
    found = search(demo, pc["assetnumber"])
    assert [group["resource"] for group in found].count("assets") == 0


def test_permissions_and_constant_statements(demo):
    assert demo.callers[None].get("/api/search", query_string={"q": "x"}).status_code == 401
    assert demo.callers["viewer"].get("/api/search").status_code == 400
    groups = search(demo, "testadmin", demo.admin)
    assert "users" not in [group["resource"] for group in groups]
    engine = get_database(demo.app).engine
    counts = set()
    for q in ("M-1", "zzzz-nothing", "10.20"):
        with count_queries(engine) as counted:
            search(demo, q)
        counts.add(counted.count)
    assert len(counts) == 1, counts
