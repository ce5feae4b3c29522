"""The detail page's relationship editor in a real browser: an editor adds
a relationship from an asset's page, picking the other asset in the
searchable select by typing, then removes it again."""

from __future__ import annotations

import re

from playwright.sync_api import expect

# page_of, the browser and the served demo site are fixtures of tests/web/conftest.py.
from tests.web.browsing import shot
from tests.web.test_browser import pytestmark  # noqa: F401
from tests.web.test_detail import derived_pair


def test_an_editor_adds_and_removes_a_relationship(page_of, demo_app, browser_of):
    pc, machine, part = derived_pair(demo_app)
    number = browser_of("viewer").get(f"/api/assets/{pc}").get_json()["data"]["assetnumber"]
    page = page_of("editor")
    page.goto(f"/assets/{part}")
    form = page.locator('[data-testid="addedge"]')
    form.locator("#edge-direction").select_option("incoming")
    form.locator("#edge-type").select_option(label="connectedto")
    # Type into tom-select's own field (Playwright focuses it first): keys
    # sent to the page right after a click can land before the focus does.
    field = form.locator(".ts-control input")
    field.press_sequentially(number)
    expect(field).to_have_value(number)
    option = page.locator(".ts-dropdown .option", has_text=number).first
    option.wait_for()
    option.click()
    form.locator("#edge-label").fill("browser link")
    shot(page, "detail-addedge", full=False)
    form.locator('[data-testid="addedge-save"]').click()
    page.wait_for_url(re.compile(rf"/assets/{part}#relationships$"))
    assert page.get_by_text("Added relationship").is_visible()
    incoming = page.locator('[data-testid="edges-incoming"]')
    row = incoming.locator("tr", has_text="browser link")
    assert row.count() == 1 and number in row.inner_text()
    shot(page, "detail-relationships")
    row.locator('button[data-testid^="removeedge-"]').click()
    page.wait_for_url(re.compile(rf"/assets/{part}#relationships$"))
    assert page.get_by_text("Removed relationship").is_visible()
    assert page.locator('[data-testid="edges-incoming"] tr', has_text="browser link").count() == 0
    assert machine  # the page of a part of a controlled machine: derived edges show too
    assert page.locator('[data-testid="edges-derived"]').count() == 1
