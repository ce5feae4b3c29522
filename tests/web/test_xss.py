"""Script and HTML stored in every text field of every resource, then every
page that shows them opened in a real browser: nothing runs.

Records are created through the REST API (as an admin, with a bearer
token) with a payload in each text field the input schema has, and a
`javascript:` address in each URL field; a field whose rules refuse a
payload (a hostname's pattern, a length) gets a shorter one, then its sample
value. Then each resource's list (newest first, where it sorts so), the
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
from tests.web.browsing import navigation, shot
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
    """The create schema's text fields and URL fields. A lookup's name sent
    instead of its id (`computertype` beside `computertypeid`) is left out:
    the lookup's own resource gets the payloads in its name."""
    resource = app.extensions["shopdb.resources"][name]
    texts, addresses = [], []
    loaded = resource.schemas.create().load_fields
    for key, field in loaded.items():
        if f"{key}id" in loaded:
            continue
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
    # Unique per record: some text fields are unique (an asset number).
    payloads = [f"{payload} {number}" for payload in PAYLOADS]
    choices = {key: iter([*payloads, body.get(key)]) for key in texts}
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


def newest_first(resource: Any) -> str | None:
    """The list's sort that puts the newest record first, if it has one."""
    for key in ("createdat", resource.primary_key):
        if key in resource.sort:
            return f"-{key}"
    return None


def test_stored_payloads_never_run_and_show_as_text(page_of, demo_app, stored):
    page = page_of("admin")
    shown_somewhere = set()
    for name, resource in demo_app.extensions["shopdb.resources"].items():
        order = newest_first(resource)
        page.goto(f"/{name}?sort={order}" if order else f"/{name}")
        nothing_ran(page, f"the list of {name}")
        if name not in stored:
            continue
        itemid, kept = stored[name]
        if order:
            assert page.locator(f"a[href='/{name}/{itemid}']").count(), f"{name} {itemid}"
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
                    shown_back = "e => e.tagName !== 'SELECT' && e.type !== 'password'"
                    if field.count() and field.evaluate(shown_back):
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
    assert any(SCRIPT + IMAGE in each for each in shown_somewhere), shown_somewhere
    shot(page, "xss-detail")


def test_the_audit_log_start_page_and_a_bad_address_run_nothing(page_of, demo_app, stored):
    """Also every page of the navigation that is not a resource's list (a
    dashboard, a search page, a plugin's page), asked with a payload as its
    `q`: nothing a page echoes runs."""
    page = page_of("admin")
    page.goto("/")
    resources = demo_app.extensions["shopdb.resources"]
    for url in [url for _, url in navigation(page) if url.strip("/") not in resources]:
        page.goto(f"{url}{'&' if '?' in url else '?'}q={quote(IMAGE)}")
        nothing_ran(page, url)
    page.goto("/auditlogs?sort=-createdat&perpage=100")
    nothing_ran(page, "the audit log")
    links = page.locator("table[data-testid=results] tbody tr td:first-child a")
    for href in [links.nth(index).get_attribute("href") for index in range(min(10, links.count()))]:
        page.goto(href)
        nothing_ran(page, href)
    asked = (
        "/",
        f"/search?q={quote(SCRIPT + IMAGE)}",
        f"/vendors/{quote(SCRIPT)}",
        f"/{quote(IMAGE)}",
        f"/signin?next={IMAGE}",
    )
    for url in asked:
        page.goto(url)
        nothing_ran(page, url)
