"""Pages of a list: by number (offset) and by the `next` cursor (keyset),
which must give the same rows in the same order for every sort, empty
values and ties included."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AssetStatus, AssetType, LocationType
from shopdb.resources import queries

pytestmark = pytest.mark.database

NAMES = ["Lathe", None, "Mill", "lathe", None, "Grinder", "Mill", "Broach", None, "Saw", "Mill"]


@pytest.fixture
def assets(app, admin):
    """Eleven assets: names repeat and some are empty, so sorts have ties
    and NULLs; two locations, one of them unset."""
    with app.app_context():
        session = get_session()
        kind = AssetType(assettype="pagedthing", label="Paged thing")
        session.add(kind)
        session.commit()
        kindid = kind.assettypeid
        active = session.scalar(
            select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == "active")
        )
        bay = session.scalar(
            select(LocationType.locationtypeid).where(LocationType.locationtype == "bay")
        )
    location = admin.post("/api/locations", json={"name": "Paged bay", "locationtypeid": bay})
    where = location.get_json()["data"]["locationid"]
    made = []
    for number, name in enumerate(NAMES):
        body = {
            "assetnumber": f"PG-{(number * 7) % 11:02d}",
            "assettypeid": kindid,
            "assetstatusid": active,
            "name": name,
            "locationid": where if number % 3 else None,
        }
        reply = admin.post("/api/assets", json={k: v for k, v in body.items() if v is not None})
        assert reply.status_code == 201, reply.get_json()
        made.append(reply.get_json()["data"]["assetid"])
    return made


def walk(caller, query, perpage=3):
    """Every row of a list, following `next` from page 1; and the pages' sizes."""
    rows, sizes = [], []
    reply = caller.get("/api/assets", query_string={**query, "perpage": perpage})
    total = reply.get_json()["meta"]["pagination"]["total"]
    while True:
        assert reply.status_code == 200, reply.get_json()
        body = reply.get_json()
        rows += [row["assetid"] for row in body["data"]]
        sizes.append(len(body["data"]))
        cursor = body["meta"]["next"]
        if cursor is None:
            return rows, sizes
        assert body["meta"]["pagination"]["total"] >= min(total, queries.COUNT_BOUND)
        reply = caller.get(
            "/api/assets", query_string={**query, "perpage": perpage, "cursor": cursor}
        )
        assert reply.get_json()["meta"]["pagination"]["page"] is None


@pytest.mark.parametrize(
    "sort",
    [None, "name", "-name", "locationid,-name", "-locationid,name", "-modifiedat", "createdat"],
)
def test_the_cursor_walks_the_list_as_the_page_numbers_do(admin, assets, sort):
    query = {"sort": sort} if sort else {}
    everything = admin.get("/api/assets", query_string={**query, "perpage": 500}).get_json()
    expected = [row["assetid"] for row in everything["data"]]
    assert sorted(expected) == sorted(assets)
    assert everything["meta"]["next"] is None  # one page holds it all
    rows, sizes = walk(admin, query)
    assert rows == expected
    assert sizes == [3, 3, 3, 2]


def test_the_cursor_follows_a_search_ranked_list(admin, assets):
    query = {"q": "l"}  # Lathe, lathe and three Mills, by name: ranks tie
    everything = admin.get("/api/assets", query_string={**query, "perpage": 500}).get_json()
    expected = [row["assetid"] for row in everything["data"]]
    assert expected
    rows, _ = walk(admin, query, perpage=2)
    assert rows == expected


def test_a_page_number_reply_gives_the_next_cursor_too(admin, assets):
    second = admin.get("/api/assets", query_string={"page": 2, "perpage": 3}).get_json()
    third = admin.get("/api/assets", query_string={"page": 3, "perpage": 3}).get_json()
    after = admin.get(
        "/api/assets", query_string={"cursor": second["meta"]["next"], "perpage": 3}
    ).get_json()
    assert after["data"] == third["data"]


def test_a_wrong_cursor_is_a_400_naming_it(admin, assets):
    first = admin.get("/api/assets", query_string={"perpage": 3}).get_json()
    cursor = first["meta"]["next"]
    cases = {
        "another sort": {"cursor": cursor, "sort": "-name"},
        "with a page": {"cursor": cursor, "page": 2},
        "not base64 json": {"cursor": "not-a-cursor"},
        "a value of another type": {
            "cursor": base64.urlsafe_b64encode(
                json.dumps({"sort": "assetnumber", "after": [5]}).encode()
            ).decode()
        },
    }
    for case, query in cases.items():
        reply = admin.get("/api/assets", query_string=query)
        assert reply.status_code == 400, case
        assert "cursor" in reply.get_json()["data"]["error"]["details"], case


def test_the_subtree_filter_takes_no_range(admin, app):
    """`withinlocationid` is a part of the location tree, not a range of ids."""
    for parameter in ("withinlocationidmin", "withinlocationidmax"):
        reply = admin.get("/api/assets", query_string={parameter: 1})
        assert reply.status_code == 400
        assert parameter in reply.get_json()["data"]["error"]["details"]
    assert admin.get("/api/assets", query_string={"locationidmin": 1}).status_code == 200
    document = admin.get("/api/openapi.json").get_json()
    listed = {
        parameter["name"] for parameter in document["paths"]["/api/assets"]["get"]["parameters"]
    }
    assert {"withinlocationid", "locationidmin", "cursor"} <= listed
    assert not {"withinlocationidmin", "withinlocationidmax"} & listed


def test_a_long_list_is_counted_up_to_a_bound(admin, assets, monkeypatch):
    """Past the bound the total of a filtered list is a lower bound (isexact
    false), unless the page asked for lies deeper: then it is counted to
    that page. (SQLite counts an unfiltered table whole: it costs nothing.)"""
    monkeypatch.setattr(queries, "COUNT_BOUND", 5)

    def pagination(**query):
        query = {"perpage": 3, "isactive": "true", **query}
        reply = admin.get("/api/assets", query_string=query)
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()["meta"]["pagination"]

    assert pagination() == {
        "page": 1, "perpage": 3, "total": 5, "totalpages": 2, "isexact": False
    }  # fmt: skip
    assert pagination(page=3)["total"] == 9
    assert pagination(page=4) == {
        "page": 4, "perpage": 3, "total": 11, "totalpages": 4, "isexact": True
    }  # fmt: skip
    assert pagination(assetnumber="PG-01") == {
        "page": 1, "perpage": 3, "total": 1, "totalpages": 1, "isexact": True
    }  # fmt: skip
    rows, _ = walk(admin, {"isactive": "true"})
    assert sorted(rows) == sorted(assets)
