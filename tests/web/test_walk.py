"""The whole web UI walked in a real browser, from what the navigation offers:
every resource (core and of every bundled plugin) as an admin and as a
viewer, every other page a core section or a plugin adds, axe-core's checks
on every kind of page in both themes, the flows around the session, wrong
methods and a tablet's width.

Generic on purpose: a page that a plugin or a later change adds to the
navigation is walked, checked and photographed without a line here. One
browser and one server for the process (tests/web/conftest.py).
"""

from __future__ import annotations

import re
import time
from typing import Any

import jwt
import pytest
from flask import Flask

from shopdb.services.access import Identity, allows
from shopdb.testing.browsers import browser_marks
from shopdb.web.site import ADMIN_REPLACED
from tests.web.browsing import axe_problems, navigation, set_theme, shot
from tests.web.conftest import PASSWORD
from tests.web.test_browser import walk

pytestmark = browser_marks()

# Markers of the controls that write (tests/web and the templates agree on them).
WRITE_MARKERS = ("create", "edit", "delete", "save", "confirmdelete")
ROW_LINKS = "table[data-testid=results] tbody tr td:first-child a"
TABLET = {"width": 768, "height": 1024}


def open_from_menu(page: Any, url: str) -> None:
    """Open the navigation entry for `url` as a person does: its section's
    menu, then the entry."""
    entry = f".dropdown-menu a[href='{url}']"
    # A section of the main menu, or the user's own menu (API tokens).
    section = page.locator("#mainmenu .dropdown", has=page.locator(entry))
    if not section.count():  # a page without the menu (a kiosk page)
        page.goto("/")
    section.locator(".dropdown-toggle").click()
    section.locator(entry).click()
    page.wait_for_url(re.compile(re.escape(url) + r"(\?.*)?$"))


def resource_of(app: Flask, url: str) -> str | None:
    """The resource whose list `url` is, or None for any other page."""
    name = url.split("?", 1)[0].strip("/")
    return name if name in app.extensions["shopdb.resources"] else None


def is_ok(response: Any) -> bool:
    return response is not None and response.status == 200


def csrf_of(page: Any) -> str:
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return cookies.get("shopdb_csrf_access", "")


def first_item(page: Any) -> str | None:
    links = page.locator(ROW_LINKS)
    return links.first.get_attribute("href") if links.count() else None


# The walk --------------------------------------------------------------------------


def test_an_admin_walks_every_page_the_navigation_offers(page_of, demo_app):
    """Each entry opened from its menu; a resource's list walked through
    filter, sort, search, detail, create (refused, then fixed), edit and
    delete or retire; any other page (a plugin's, a core section's) opens
    whole. Every resource is reached from the navigation."""
    page = page_of("admin")
    page.goto("/")
    entries = navigation(page)
    assert entries, "the navigation is empty"
    reached = set()
    for number, (label, url) in enumerate(entries, start=9000):
        open_from_menu(page, url)  # the menu is on every page
        name = resource_of(demo_app, url)
        if name is None:
            assert page.locator("main h1").count(), f"{label} at {url} has no heading"
            shot(page, "page-" + re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-"))
            continue
        reached.add(name)
        walk(page, demo_app, name, number)
    # A resource whose admin page stands in for its list in the menu (users,
    # settings, the audit log) keeps its generic pages: walk them too.
    for number, name in enumerate(sorted(ADMIN_REPLACED - reached), start=9500):
        page.goto(f"/{name}")
        reached.add(name)
        walk(page, demo_app, name, number)
    missing = set(demo_app.extensions["shopdb.resources"]) - reached
    assert not missing, f"resources the navigation does not reach: {sorted(missing)}"


def test_a_viewer_finds_no_write_control_anywhere_and_is_refused(page_of, demo_app):
    """On every resource's list and detail page a viewer sees no control
    that writes, and a write sent anyway (with a valid CSRF value) is a 403.
    The resources a viewer may write (their own API tokens) are left out."""
    page = page_of("viewer")
    token = csrf_of(page)
    assert token
    viewer = Identity(userid=0, username="viewer", role="viewer", via="cookie")
    checked = []
    for name, resource in demo_app.extensions["shopdb.resources"].items():
        if allows(viewer, resource.write, write=True, anonymous_read=False):
            continue
        response = page.goto(f"/{name}")
        assert response.status in (200, 403), (name, response.status)
        targets = [f"/{name}/new"]
        no_write_controls(page)
        detail = first_item(page) if response.status == 200 else None
        if detail:
            page.goto(detail)
            no_write_controls(page)
            targets += [f"{detail}/edit", f"{detail}/delete"]
        for target in targets:
            sent = page.request.post(target, form={"csrf_token": token}, max_redirects=0)
            assert sent.status == 403, (target, sent.status)
            asked = page.request.get(target, max_redirects=0)
            assert asked.status == 403, (target, asked.status)
        checked.append(name)
    assert {"assets", "computers", "vendors", "users"} <= set(checked)


def no_write_controls(page: Any) -> None:
    for marker in WRITE_MARKERS:
        assert not page.locator(f"[data-testid={marker}]").count(), (page.url, marker)
    assert not page.locator("main form[method=post]").count(), page.url


# Accessibility ------------------------------------------------------------------------


def kinds_of_page(page: Any, app: Flask) -> list[tuple[str, str]]:
    """(kind, address) of one page of each kind: lists and details of a core
    resource, a plugin's asset class and a lookup, forms (new, edit, one
    refused with its errors shown), a delete, the error pages, and every
    page of the navigation that is not a resource's list."""
    found = [("start", "/")]
    for name in ("assets", "computers", "vendors"):
        page.goto(f"/{name}")
        found.append(("list", f"/{name}"))
        detail = first_item(page)
        if detail:
            found += [("detail", detail), ("edit", f"{detail}/edit")]
    found += [("new", "/computers/new"), ("delete", f"{found[-1][1].rsplit('/', 1)[0]}/delete")]
    found += [("notfound", "/computers/987654321"), ("nopage", "/no/such/page")]
    found += [("notoffered", "/auditlogs/new")]
    page.goto("/")
    found += [("navigation", url) for _, url in navigation(page) if resource_of(app, url) is None]
    return found


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_axe_finds_no_serious_or_critical_violation_on_any_kind_of_page(
    page_of, demo_app, web_server, theme
):
    problems: dict[str, list[str]] = {}

    def check(page: Any, kind: str, url: str) -> None:
        page.goto(url)
        found = axe_problems(page)
        if found:
            problems[f"{kind} {url}"] = found

    admin = page_of("admin")
    set_theme(admin, theme, web_server)
    for kind, url in kinds_of_page(admin, demo_app):
        check(admin, kind, url)
    admin.goto("/vendors/new")
    admin.click("[data-testid=save]")  # refused: every error beside its field
    admin.wait_for_selector("[data-testid=problems]")
    found = axe_problems(admin)
    if found:
        problems["form with errors /vendors/new"] = found
    shot(admin, f"form-errors-{theme}")
    viewer = page_of("viewer")
    set_theme(viewer, theme, web_server)
    check(viewer, "forbidden", "/users")
    anonymous = page_of()
    set_theme(anonymous, theme, web_server)
    check(anonymous, "signin", "/signin")
    anonymous.fill("#username", "nobody")
    anonymous.fill("#password", "wrong")
    anonymous.click("main button[type=submit]")
    anonymous.wait_for_selector("#signinproblem")
    found = axe_problems(anonymous)
    if found:
        problems["signin refused"] = found
    assert not problems, problems


# Flows ---------------------------------------------------------------------------------


def expired_copy(app: Flask, token: str) -> str:
    """The access token with its expiry in the past, signed as the site signs."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 60
    return jwt.encode(
        claims, app.config["JWT_SECRET_KEY"], algorithm=app.config.get("JWT_ALGORITHM", "HS256")
    )


def test_an_expired_access_token_renews_quietly_and_the_page_opens(page_of, demo_app, web_server):
    page = page_of("editor")
    access = next(c for c in page.context.cookies() if c["name"] == "shopdb_access")
    page.context.add_cookies(
        [{**access, "value": expired_copy(demo_app, access["value"]), "expires": -1}]
    )
    page.goto("/computers?sort=hostname")
    page.wait_for_selector("[data-testid=signout]", state="attached")
    assert page.url.endswith("/computers?sort=hostname")
    assert page.locator("table[data-testid=results]").is_visible()
    renewed = next(c for c in page.context.cookies() if c["name"] == "shopdb_access")
    assert renewed["value"] != access["value"]


def test_an_ended_session_goes_to_the_sign_in_and_back_to_the_page_wanted(page_of):
    page = page_of("editor")
    page.context.clear_cookies()  # access and refresh gone: as after days away
    page.goto("/vendors?sort=vendor")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/vendors?sort=vendor")
    assert page.locator("table[data-testid=results] tbody tr").count() > 0


def test_a_refresh_token_that_was_revoked_goes_to_the_sign_in(page_of, demo_app):
    """The access token ran out and the refresh token no longer works (signed
    out elsewhere): the renewal page gives up and asks for a sign-in."""
    page = page_of("viewer")
    cookies = page.context.cookies()
    access = next(c for c in cookies if c["name"] == "shopdb_access")
    refresh = next(c for c in cookies if c["name"] == "shopdb_refresh")
    page.context.add_cookies(
        [
            {**access, "value": expired_copy(demo_app, access["value"]), "expires": -1},
            {**refresh, "value": "not-a-token", "expires": -1},
        ]
    )
    page.goto("/locations")
    page.wait_for_url(re.compile(r"/signin\?next=(/|%2F)locations$"))


def test_the_theme_toggle_without_scripts_is_remembered(page_of):
    page = page_of("viewer", java_script_enabled=False)
    page.goto("/vendors")
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"
    page.click("[data-theme-toggle]")  # the form posts to /theme
    page.wait_for_url("**/vendors")
    assert page.locator("html").get_attribute("data-bs-theme") == "light"
    page.goto("/locations")
    assert page.locator("html").get_attribute("data-bs-theme") == "light"


def test_a_wrong_method_on_a_page_is_405_with_allow(page_of):
    page = page_of("admin")
    token = csrf_of(page)
    cases = {
        "/vendors": ("PUT", {"GET", "HEAD", "OPTIONS"}),
        "/vendors/new": ("DELETE", {"GET", "HEAD", "OPTIONS", "POST"}),
        "/": ("POST", {"GET", "HEAD", "OPTIONS"}),
        "/theme": ("GET", {"OPTIONS", "POST"}),
    }
    for url, (method, allowed) in cases.items():
        reply = page.request.fetch(
            url, method=method, headers={"X-CSRF-TOKEN": token, "Accept": "text/html"}
        )
        assert reply.status == 405, (url, method, reply.status)
        assert set(reply.headers["allow"].replace(" ", "").split(",")) == allowed, url
        assert "text/html" in reply.headers["content-type"], url
    # A resource that is not created from pages: the page says so, with Allow.
    reply = page.request.get("/auditlogs/new")
    assert reply.status == 405
    assert "allow" in reply.headers


def test_list_pages_fit_a_tablet(page_of, demo_app):
    """At a tablet's width no list page scrolls sideways (a wide table
    scrolls in its own box) and the menu folds into its button."""
    page = page_of("admin", viewport=TABLET)
    page.goto("/")
    assert page.locator(".navbar-toggler").is_visible()
    wide = []
    for name in demo_app.extensions["shopdb.resources"]:
        page.goto(f"/{name}")
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide.append((name, width))
    shot(page, "tablet-list", full=False)
    page.goto("/computers")
    shot(page, "tablet-computers", full=False)
    page.click(".navbar-toggler")
    page.locator("#mainmenu .dropdown-toggle").first.click()
    shot(page, "tablet-menu", full=False)
    assert not wide, f"list pages wider than a tablet: {wide}"


def test_the_readme_pictures(page_of):
    """README's two pictures (docs/images/), of the demo site `make run`
    builds: after a change to the pages, take them again with
    `-k readme` and copy tests/screenshots/readme-*.png over
    docs/images/webui-list.png and webui-detail.png."""
    page = page_of("admin", viewport={"width": 1100, "height": 1000})
    # The demo's own PCs only: other tests add records to the same site.
    page.goto("/computers?sort=hostname&q=pc-")
    shot(page, "readme-list", full=False)
    page.locator(ROW_LINKS).first.click()
    page.wait_for_url(re.compile(r"/computers/\d+$"))
    assert page.locator("[data-testid=fields]").is_visible()
    shot(page, "readme-detail")
