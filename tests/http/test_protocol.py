"""HTTP rules every endpoint keeps: 405 names the allowed methods, bodies with
duplicate keys and query strings that are not text are refused by name, and
an over-long address gets the JSON envelope."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import shopdb
from shopdb.models import EDITOR
from shopdb.testing.clients import make_callers

pytestmark = pytest.mark.database


@pytest.fixture
def callers(app):
    return make_callers(app)


def error(response):
    return response.get_json()["data"]["error"]


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("TRACE", "/api/vendors", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("DELETE", "/api/vendors", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("PUT", "/api/vendors/1", {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"}),
    ],
)
def test_a_405_carries_allow(callers, method, url, allowed):
    response = callers[EDITOR].request(method, url)
    assert response.status_code == 405
    assert {part.strip() for part in response.headers["Allow"].split(",")} == allowed
    assert error(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_wrong_method_is_405_whatever_body_it_sends(callers, method):
    # The body is not JSON (a form, as the import takes): the missing
    # route answers, not the body check.
    response = callers[EDITOR].request(
        method, "/api/vendors/import", data={"file": (b"x", "a.csv")}
    )
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("body", "key"),
    [('{"vendor": "A", "vendor": "B"}', "vendor"), ('{"vendor": "A", "x": {"k": 1, "k": 2}}', "k")],
)
def test_duplicate_json_keys_are_refused_by_name(callers, body, key):
    response = callers[EDITOR].post(
        "/api/vendors", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert f"{key!r}" in error(response)["message"]
    assert callers[EDITOR].get("/api/vendors").get_json()["data"] == []


@pytest.mark.parametrize(
    ("query", "words"),
    [("q=%ff%fe%c3", "UTF-8"), ("q=a%01b", "control character"), ("%ff=1", "UTF-8")],
)
def test_a_query_string_that_is_not_text_is_refused(callers, query, words):
    response = callers[EDITOR].get(f"/api/vendors?{query}")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_query"
    assert words in error(response)["message"]


def test_tabs_and_plain_text_in_the_query_string_still_work(callers):
    assert callers[EDITOR].get("/api/vendors?q=caf%C3%A9").status_code == 200


def test_an_over_long_query_string_is_a_json_414(callers):
    query = "&".join(f"vendor={'v' * 200}" for _ in range(330))
    response = callers[EDITOR].get(f"/api/vendors?{query}")
    assert response.status_code == 414
    assert error(response)["code"] == "uri_too_long"
    assert "65536" in error(response)["message"]


def test_hand_written_endpoints_reply_through_the_envelope_helpers():
    """Replies are built by shopdb.http.envelope alone: a view that made its
    own JSON could drift from the envelope and skip the error handlers."""
    root = Path(shopdb.__file__).parent
    builders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "envelope.py" and re.search(r"\bjsonify\(", path.read_text())
    ]
    assert builders == []


def test_a_create_answers_with_the_location_of_the_new_record(callers):
    response = callers[EDITOR].post("/api/vendors", json={"vendor": "Located"})
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location == f"/api/vendors/{response.get_json()['data']['vendorid']}"
    assert callers[EDITOR].get(location).get_json()["data"]["vendor"] == "Located"


def test_the_document_links_a_create_to_its_record(app):
    paths = app.test_client().get("/api/openapi.json").get_json()["paths"]
    created = paths["/api/vendors"]["post"]["responses"]["201"]
    assert "Location" in created["headers"]
    assert "content" in created
    links = created["links"]
    assert {link["operationId"] for link in links.values()} == {
        "vendors_get",
        "vendors_update",
        "vendors_delete",
    }
    assert all(
        link["parameters"] == {"itemid": "$response.body#/data/vendorid"} for link in links.values()
    )
    item = paths["/api/vendors/{itemid}"]
    assert [item[verb]["operationId"] for verb in ("get", "patch", "delete")] == [
        "vendors_get",
        "vendors_update",
        "vendors_delete",
    ]
    sort = next(p for p in paths["/api/vendors"]["get"]["parameters"] if p["name"] == "sort")
    assert re.fullmatch(sort["schema"]["pattern"].strip("^$"), "-vendor,createdat")
    assert not re.search(sort["schema"]["pattern"], "nosuchfield")
