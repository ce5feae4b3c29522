"""The web UI in a real browser: Debian's chromium driven by Playwright
against the demo site served by a real HTTP server in a thread.

One browser and one server for the test process (tests/web/conftest.py),
one page per test. Screenshots of each page go to tests/screenshots/
(git-ignored). The walk over every resource, the viewer's refusals and the
accessibility checks are in test_walk.py, the script payloads in
test_xss.py. Marked `browser` and `slow`; without /usr/bin/chromium
(apt-get install chromium) they skip, unless SHOPDB_BROWSER_TESTS=required
(CI sets it), then they fail.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask

from shopdb.database import get_session
from shopdb.testing.browsers import browser_marks
from tests.web.browsing import axe_problems, shot
from tests.web.conftest import PASSWORD

pytestmark = browser_marks()


def report(page: Any, where: str) -> None:
    """axe-core finds no serious or critical violation on the page as it is."""
    problems = axe_problems(page)
    assert not problems, f"{where}: {problems}"


# Sign-in, theme ----------------------------------------------------------------------


def test_sign_in_and_out(page_of):
    page = page_of()
    page.goto("/computers?sort=hostname")
    assert "/signin?next=" in page.url
    shot(page, "signin")
    page.fill("#username", "editor")
    page.fill("#password", "wrong password")
    page.click("main button[type=submit]")
    assert page.locator("#signinproblem").is_visible()
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/computers?sort=hostname")
    assert page.locator("table[data-testid=results] tbody tr").count() > 1
    page.click("#usermenu")
    page.click("[data-testid=signout]")
    page.wait_for_url("**/signin?signedout=1")
    page.goto("/computers")
    assert "/signin?next=" in page.url


def test_the_theme_is_dark_until_switched_and_remembered(page_of):
    page = page_of("viewer")
    root = page.locator("html")
    assert root.get_attribute("data-bs-theme") == "dark"
    page.click("[data-theme-toggle]")
    assert root.get_attribute("data-bs-theme") == "light"
    page.reload()
    assert page.locator("html").get_attribute("data-bs-theme") == "light"
    shot(page, "light")
    page.click("[data-theme-toggle]")
    page.reload()
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"


def test_an_expired_access_token_renews_quietly(page_of):
    page = page_of("editor")
    page.context.clear_cookies(name="shopdb_access")  # as the browser drops it at expiry
    page.goto("/vendors?sort=vendor")
    # The renewal page renews and comes back to the page, signed in again.
    page.wait_for_selector("[data-testid=signout]", state="attached")
    assert page.url.endswith("/vendors?sort=vendor")
    assert page.locator("table[data-testid=results]").is_visible()


# The generic walk -------------------------------------------------------------------------


def sample_values(app: Flask, name: str, number: int) -> dict[str, Any]:
    """A valid create body for the resource, from its own `sample`."""
    resource = app.extensions["shopdb.resources"][name]
    with app.app_context():
        session = get_session()
        body = resource.sample(session, number)
        session.commit()  # what the sample needed (an asset type of its own) stays
    if name == "assetrelationships":
        body["targetassetid"] = body["sourceassetid"] + 1  # never itself
    if "password" in body:
        body["password"] = "a long browser test passphrase"
    return body


FILL = """(element, value) => {
  if (element.type === "checkbox") { element.checked = value === "true"; return; }
  if (element.tagName === "SELECT") {
    if (element.tomselect) {
      const ts = element.tomselect;
      const known = ts.options[value];
      if (!known) {
        ts.addOption({[ts.settings.valueField]: value, [ts.settings.labelField]: value});
      }
      ts.setValue(value, true);
    }
    if (![...element.options].some((option) => option.value === value)) {
      element.add(new Option(value, value));
    }
    element.value = value;
    return;
  }
  element.value = value;
}"""


def fill_form(page: Any, body: dict[str, Any]) -> None:
    for key, value in body.items():
        field = page.locator(f"#field-{key}")
        if field.count() == 0:
            continue  # not a form field (set by the server)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, dict | list):
            text = json.dumps(value)
        else:
            text = str(value)
        field.evaluate(FILL, text)


def walk(page: Any, app: Flask, name: str, number: int) -> None:
    resource = app.extensions["shopdb.resources"][name]
    page.goto(f"/{name}")
    shot(page, f"{name}-list", full=False)
    rows = page.locator("table[data-testid=results] tbody tr td:first-child a")
    detail = rows.first.get_attribute("href") if rows.count() else None
    sortable = page.locator("th a[data-sort]")
    if sortable.count():
        column = sortable.first.get_attribute("data-sort")
        sortable.first.click()
        page.wait_for_url(re.compile(rf"sort={column}"))
        assert page.locator("th[aria-sort=ascending]").count() == 1
    selects = page.locator("#filters details select")
    if selects.count() and selects.first.locator("option").count() > 1:
        page.locator("#filters details summary").click()
        value = selects.first.locator("option").nth(1).get_attribute("value")
        selects.first.select_option(value)
        page.wait_for_url(re.compile(rf"{selects.first.get_attribute('name')}="))
    if resource.search:
        page.fill("#q", "zzz-nothing-matches")
        page.wait_for_url(re.compile(r"q=zzz"))
        assert "Nothing found." in page.locator("#results").inner_text()
    if detail:
        page.goto(detail)
        assert page.locator("[data-testid=fields]").is_visible()
        shot(page, f"{name}-detail", full=False)
    if not resource.allow_create:
        return
    page.goto(f"/{name}/new")
    page.click("[data-testid=save]")
    page.wait_for_load_state()  # the whole refusal, not only its first lines
    assert page.locator("[data-testid=problems]").is_visible(), name
    assert page.locator(".invalid-feedback, [data-testid=problems] div").count() > 0
    shot(page, f"{name}-form", full=False)
    fill_form(page, sample_values(app, name, number))
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    problems = page.locator("[data-testid=problems]")
    if problems.count():
        errors = page.locator(".invalid-feedback").all_inner_texts()
        raise AssertionError(f"{name}: {problems.inner_text()} {errors}")
    assert re.search(rf"/{name}/\d+$", page.url) or page.locator("[data-testid=shownonce]").count()
    if resource.allow_update:
        page.click("[data-testid=edit]")
        page.wait_for_url(re.compile(rf"/{name}/\d+/edit$"))
        page.click("[data-testid=save]")
        page.wait_for_url(re.compile(rf"/{name}/\d+$"))
        assert page.locator(".alert-success, .alert-info").count()
    if resource.allow_delete:
        page.click("[data-testid=delete]")
        page.wait_for_url(re.compile(rf"/{name}/\d+/delete$"))
        shot(page, f"{name}-delete", full=False)
        page.click("[data-testid=confirmdelete]")
        page.wait_for_url(re.compile(rf"/{name}$"))
        assert page.locator(".alert-success").count()
