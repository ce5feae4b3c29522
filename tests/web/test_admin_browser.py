"""The dashboard and an admin flow in a real browser (Debian's chromium,
Playwright), with axe-core on each page: the fixtures of
tests/web/conftest.py, marked like tests/web/test_browser.py."""

from __future__ import annotations

import re

import pytest

# page_of, the browser and the server are fixtures of tests/web/conftest.py.
from tests.web.test_browser import pytestmark, report, shot  # noqa: F401


def test_the_dashboard_links_each_count_to_its_list(page_of):
    page = page_of("viewer")
    page.goto("/")
    assert page.locator("[data-testid=counts] table").is_visible()
    assert page.locator("[data-testid=stale]").is_visible()
    assert page.locator("[data-testid=widget-measuringtools-calibrationsdue]").is_visible()
    assert page.locator("[data-testid=changes]").count() == 0  # the audit log is the admin's
    shot(page, "dashboard")
    report(page, "/")
    cell = page.locator("a[data-testid^=count-]").first
    shown = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r"assetstatusid="))
    total = page.locator("[data-testid=total]").inner_text()
    assert int(total.split()[0]) == shown


def test_an_admin_creates_a_user_and_a_token_shown_once(page_of):
    page = page_of("admin")
    page.goto("/")
    assert page.locator("[data-testid=changes]").is_visible()
    report(page, "/")  # the admin's dashboard has the recent changes too
    page.click("text=Admin")
    page.click("a.dropdown-item[href='/admin/users']")
    page.wait_for_url("**/admin/users")
    report(page, "/admin/users")
    page.fill("#new-username", "browseruser")
    page.fill("#new-password", "short")
    page.click("[data-testid=createuser]")
    assert page.locator("[data-testid=error-password]").is_visible()
    assert page.input_value("#new-username") == "browseruser"
    page.fill("#new-password", "a browser made passphrase")
    page.select_option("#new-roleid", label="editor")
    page.click("[data-testid=createuser]")
    page.wait_for_url("**/admin/users")
    assert page.locator("[data-testid=user-browseruser]").is_visible()
    shot(page, "admin-users")
    page.goto("/admin/tokens")
    report(page, "/admin/tokens")
    page.select_option("#new-userid", label="browseruser")
    page.fill("#new-name", "Browser token")
    page.select_option("#new-scope", "read")
    page.click("[data-testid=createtoken]")
    token = page.locator("[data-testid=newtoken]").inner_text()
    assert token.startswith("sdb_")
    shot(page, "admin-token-once")
    page.goto("/admin/tokens")
    assert page.locator("[data-testid=newtoken]").count() == 0
    assert token not in page.content()
    assert "Browser token" in page.locator("[data-testid=tokens]").inner_text()
    for url in ("/admin/settings", "/admin/plugins", "/admin/audit", "/reports/pcrelationships"):
        page.goto(url)
        report(page, url)


@pytest.mark.parametrize("role", ["editor"])
def test_the_admin_pages_are_refused_in_the_browser(page_of, role):
    page = page_of(role)
    page.goto("/")
    assert page.locator("a[href='/admin/users']").count() == 0
    response = page.goto("/admin/users")
    assert response.status == 403
