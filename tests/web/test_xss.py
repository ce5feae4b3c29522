"""Script and HTML stored in every text field of every resource, then every
page that shows them opened in a real browser: nothing runs.

Records are created through the REST API (as an admin, with a bearer
token) with a payload in each text field the input schema has, and a
`javascript:` address in each URL field; a field whose rules refuse a
payload (a hostname's pattern, a length) gets a shorter one, then its sample
value. Then each resource's list (the page holding the record), the
record's detail and edit pages, a list searched for a payload (reflected in
the search box), the audit log's entries of those creates, the start page
and an address holding a payload are opened. On each: the payload's flag
(`window.__xss`) is unset, no dialog opened, the Content-Security-Policy
refused nothing (tests/web/conftest.py's `page_of` fails the test on
either), no element the payloads would make exists, and the payload is
shown as text.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from marshmallow import fields

from shopdb.testing.browsers import browser_marks
from tests.web.browsing import shot
from tests.web.conftest import PASSWORD
from tests.web.test_browser import sample_values

pytestmark = browser_marks()

SCRIPT = "<script>window.__xss=1</script>"
IMAGE = '"><img src=x onerror=window.__xss=1>'
# Tried in order on each text field; the first the field's rules accept stays.
PAYLOADS = (SCRIPT + IMAGE, IMAGE, "<b onmouseover=window.__xss=1>b</b>", "'<i>x</i>")
ADDRESS = "javascript:window.__xss=1"
# What a payload would have made, had it been read as HTML.
MADE_BY_PAYLOADS = (
    "img[src='x'], [onerror], [onmouseover], b[onmouseover], "
    "a[href^='javascript:' i], script:not([src])"
)
# Every payload, then the sample value, then a last try without the field.
ATTEMPTS = len(PAYLOADS) + 2


def text_fields(app: Flask, name: str) -> tuple[list[str], list[str]]:
    """The create schema's text fields and URL fields."""
    resource = app.extensions["shopdb.resources"][name]
    texts, addresses = [], []
    for key, field in resource.schemas.create().load_fields.items():
        if isinstance(field, fields.Url):
            addresses.append(key)
        elif isinstance(field, fields.String) and not isinstance(field, fields.Email):
            texts.append(key)
    return texts, addresses


def create_with_payloads(
    client: Any, headers: dict[str, str], app: Flask, name: str, number: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """A record of `name` holding payloads in as many text fields as its
    rules allow; the reply's record and the payload each field kept."""
    body = sample_values(app, name, number)
    texts, addresses = text_fields(app, name)
    choices = {key: iter([*PAYLOADS, body.get(key)]) for key in texts}
    choices.update({key: iter([ADDRESS, body.get(key)]) for key in addresses})
    current = {key: next(values) for key, values in choices.items()}
    reply = None
    for _ in range(ATTEMPTS):
        sent = {**body, **{key: value for key, value in current.items() if value is not None}}
        reply = client.post(f"/api/{name}", json=sent, headers=headers)
        if reply.status_code == 201:
            kept = {key: value for key, value in current.items() if value != body.get(key)}
            return reply.get_json()["data"], {k: v for k, v in kept.items() if v is not None}
        details = (reply.get_json()["data"]["error"].get("details") or {}) if reply.is_json else {}
        refused = [key for key in details if key in choices]
        if reply.status_code not in (400, 409) or not refused:
            break
        for key in refused:
            current[key] = next(choices[key], body.get(key))
    raise AssertionError(f"{name}: cannot create a record: {reply.status_code} {reply.data[:500]}")


@pytest.fixture(scope="module")
def stored(demo_app: Flask) -> dict[str, tuple[int, dict[str, str]]]:
    """resource name -> (the id of its record with payloads, field -> payload)."""
    client = demo_app.test_client(use_cookies=False)
    login = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['data']['accesstoken']}"}
    found = {}
    numbers = itertools.count(7000)
    for name, resource in demo_app.extensions["shopdb.resources"].items():
        if not resource.allow_create:
            continue
        record, kept = create_with_payloads(client, headers, demo_app, name, next(numbers))
        found[name] = (record[resource.primary_key], kept)
    assert any(kept for _, kept in found.values())
    return found


def nothing_ran(page: Any, where: str) -> None:
    assert page.evaluate("() => window.__xss") is None, f"a payload ran on {where}"
    made = page.locator(MADE_BY_PAYLOADS).count()
    assert made == 0, f"{where}: {made} elements made by payloads"


def last_page(client: Any, headers: dict[str, str], name: str) -> int:
    reply = client.get(f"/api/{name}", headers=headers, query_string={"perpage": 25})
    return reply.get_json()["meta"]["pagination"]["totalpages"] or 1


def test_stored_payloads_never_run_and_show_as_text(page_of, demo_app, stored):
    page = page_of("admin")
    api = demo_app.test_client(use_cookies=False)
    login = api.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.get_json()['data']['accesstoken']}"}
    shown_somewhere = set()
    for name, resource in demo_app.extensions["shopdb.resources"].items():
        page.goto(f"/{name}?perpage=25&page={last_page(api, headers, name)}")
        nothing_ran(page, f"the list of {name}")
        if name not in stored:
            continue
        itemid, kept = stored[name]
        assert page.locator(f"a[href='/{name}/{itemid}']").count(), f"{name} {itemid} not listed"
        listed = page.locator("#results").inner_text()
        shown_somewhere.update(value for value in kept.values() if value in listed)
        for url in (f"/{name}/{itemid}", f"/{name}/{itemid}/edit"):
            if url.endswith("/edit") and not resource.allow_update:
                continue
            page.goto(url)
            nothing_ran(page, url)
            if url.endswith("/edit"):
                for key, value in kept.items():
                    field = page.locator(f"#field-{key}")
                    if field.count() and field.evaluate("e => e.tagName") != "SELECT":
                        assert field.input_value() == value, (url, key)
            else:
                text = page.locator("main").inner_text()
                shown = [value for value in kept.values() if value in text]
                assert shown or not kept, f"{url} shows none of {kept}"
                shown_somewhere.update(shown)
        if resource.search:
            page.goto(f"/{name}?q={quote(IMAGE)}")
            nothing_ran(page, f"the list of {name} searched for a payload")
            assert page.locator("#q").input_value() == IMAGE
    assert SCRIPT + IMAGE in shown_somewhere
    shot(page, "xss-detail")


def test_the_audit_log_start_page_and_a_bad_address_run_nothing(page_of, stored):
    page = page_of("admin")
    page.goto("/auditlogs?sort=-createdat&perpage=100")
    nothing_ran(page, "the audit log")
    links = page.locator("table[data-testid=results] tbody tr td:first-child a")
    for href in [links.nth(index).get_attribute("href") for index in range(min(10, links.count()))]:
        page.goto(href)
        nothing_ran(page, href)
    for url in ("/", f"/vendors/{quote(SCRIPT)}", f"/{quote(IMAGE)}", f"/signin?next={IMAGE}"):
        page.goto(url)
        nothing_ran(page, url)
