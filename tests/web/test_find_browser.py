"""The global search box, the export links and the import pages in a real
browser (Debian's chromium through Playwright), on the demo site served by
a real HTTP server: what a technician does with a keyboard and a file.
Uses the fixtures of tests/web/conftest.py; marked `browser` and `slow`
like tests/web/test_browser.py."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# page_of, the browser and the server are fixtures of tests/web/conftest.py.
from tests.web.test_browser import pytestmark, report, shot  # noqa: F401


def test_the_search_box_by_keyboard(page_of):
    page = page_of("viewer")
    page.goto("/computers?sort=hostname")
    hostname = page.locator("table[data-testid=results] tbody tr td:first-child a").first
    wanted = hostname.inner_text().strip()
    target = hostname.get_attribute("href")
    page.keyboard.press("/")  # from anywhere but a field, to the box
    box = page.locator("#globalsearch")
    assert box.evaluate("element => element === document.activeElement")
    box.type(wanted, delay=20)
    listbox = page.locator("#searchsuggestions")
    options = listbox.locator('[role="option"]')
    options.first.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.locator('[role="group"] .dropdown-header').first.inner_text()
    shot(page, "search-suggestions", full=False)
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    assert page.locator(f"#{active}").get_attribute("href") == target  # exact match first
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    page.keyboard.press("ArrowDown")  # opens again on the first option
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    # Enter without choosing an option: the results page.
    page.locator("#globalsearch").fill(wanted[:3])
    page.locator("#globalsearch").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator("[data-testid=searchgroup]").count() >= 1
    shot(page, "search-results")


def test_export_links_follow_the_list_and_rows_take_arrows(page_of):
    page = page_of("viewer")
    page.goto("/computers")
    with page.expect_response(re.compile(r"/computers\?")):
        page.locator("#q").fill("pc-20")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=exportcsv]').href.includes('q=pc-20')"
    )
    link = page.locator("[data-testid=exportcsv]").get_attribute("href")
    query = parse_qs(urlsplit(link).query)
    assert query == {"q": ["pc-20"], "format": ["csv"]}
    # The folded filters say how many are on.
    page.goto("/computers?q=pc-20&isactive=true")
    assert page.locator("#filters summary [data-filter-count]").inner_text() == "1 on"
    # Up and down arrows move between the rows' links.
    links = page.locator("table[data-testid=results] tbody tr td:first-child a")
    links.nth(0).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == links.nth(1).get_attribute("href")
    # Sorting by keyboard keeps the focus on the column header.
    page.locator("[data-sort=hostname]").focus()
    with page.expect_response(re.compile(r"sort=hostname")):
        page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.getAttribute('data-sort') === 'hostname'")
    # The links follow once the new address is pushed (after the focus settles).
    page.wait_for_function(
        "() => document.querySelector('[data-testid=exportcsv]').href.includes('sort=hostname')"
    )
    with page.expect_download() as download:
        page.locator("[data-testid=exportcsv]").click()
    assert download.value.suggested_filename == "computers.csv"


def test_import_a_file_with_a_bad_row(page_of):
    page = page_of("editor", bypass_csp=True)  # for axe on the check page
    page.goto("/vendors")
    page.locator("[data-testid=import]").click()
    page.wait_for_url(re.compile(r"/vendors/import$"))
    body = "vendor,notes\nBrowser Import Alpha,one\nBrowser Import Beta,two\n,no name\n"
    page.set_input_files(
        "#importfile",
        files=[{"name": "vendors.csv", "mimeType": "text/csv", "buffer": body.encode()}],
    )
    page.locator("[data-testid=importcheck]").click()
    page.locator("[data-testid=importrows]").wait_for()
    rows = page.locator("[data-testid=importrows] tbody tr")
    assert rows.count() == 3
    assert page.locator('tr[data-action="created"]').count() == 2
    bad = page.locator('tr[data-action="error"]')
    assert bad.count() == 1
    assert bad.locator("td").first.inner_text() == "4"
    shot(page, "import-check")
    report(page, "the import's check page")
    page.locator("#skiperrors").check()
    page.locator("[data-testid=importconfirm]").click()
    page.locator("[data-testid=importstate]").wait_for()
    assert "Written: 2 created" in page.locator("[data-testid=importstate]").inner_text()
    page.locator("[data-testid=importlist]").click()
    page.wait_for_url(re.compile(r"/vendors$"))
    with page.expect_response(re.compile(r"/vendors\?")):
        page.locator("#q").fill("Browser Import")
    page.locator("table[data-testid=results] tbody tr td:first-child a").first.wait_for()
    shown = page.locator("table[data-testid=results] tbody").inner_text()
    assert "Browser Import Alpha" in shown and "Browser Import Beta" in shown


def test_axe_on_search_and_import_pages(page_of):
    page = page_of("editor", bypass_csp=True)  # axe is injected as a script
    for url in ("/search?q=pc", "/vendors/import"):
        page.goto(url)
        report(page, url)
    for theme in ("dark", "light"):
        page.context.add_cookies([{"name": "shopdb_theme", "value": theme, "url": page.url}])
        page.goto("/vendors")
        report(page, f"a list with its export buttons ({theme})")
        page.locator("#globalsearch").type("pc", delay=20)
        page.locator('#searchsuggestions [role="option"]').first.wait_for(state="visible")
        report(page, f"the search box with its list open ({theme})")
