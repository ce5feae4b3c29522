"""The write side of the pages in a real browser (Debian's chromium through
Playwright, on the demo site): a bulk edit of fifty records chosen with
select-all, and a PC's network interfaces edited in place. Uses the browser,
server and page fixtures of tests/web/conftest.py; marked `browser` and `slow`."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import AssetStatus, AuditLog, Location
from tests.web import test_browser as base

# page_of, the browser and the served demo site are fixtures of tests/web/conftest.py.
pytestmark = base.pytestmark
shot = base.shot


def status_id(app, name: str) -> int:
    with app.app_context():
        query = select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == name)
        return get_session().scalar(query)


def last_audit(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.max(AuditLog.auditlogid))) or 0


def test_bulk_edit_of_fifty_records_audits_each_once(page_of, demo_app):
    active, inactive = status_id(demo_app, "active"), status_id(demo_app, "inactive")
    page = page_of("editor")
    page.goto(f"/assets?perpage=50&assetstatusid={active}&sort=assetnumber")
    boxes = page.locator("input[data-select-row]")
    assert boxes.count() == 50
    page.check("input[data-select-all]")
    assert page.locator("[data-selected-count]").inner_text() == "50"
    ids = [box.get_attribute("value") for box in boxes.all()]
    page.select_option("#bulk-assetstatusid", str(inactive))
    shot(page, "bulk-edit", full=False)
    mark = last_audit(demo_app)
    page.click("[data-testid=bulkedit]")
    page.wait_for_load_state()
    assert "Changed 50 of 50" in page.locator(".alert-success").inner_text()
    with demo_app.app_context():
        entries = get_session().scalars(
            select(AuditLog).where(AuditLog.auditlogid > mark, AuditLog.entitytype == "assets")
        )
        per_record = Counter(entry.entityid for entry in entries if entry.action == "update")
    assert per_record == Counter(dict.fromkeys(ids, 1))
    # Back to the list it came from: those fifty are no longer active.
    assert f"assetstatusid={active}" in page.url
    shown = page.locator("input[data-select-row]")
    assert not set(ids) & {box.get_attribute("value") for box in shown.all()}


def test_a_pcs_interfaces_are_edited_in_place(page_of):
    page = page_of("editor")
    reply = page.request.get("/api/computers?perpage=100").json()["data"]
    computer = next(row for row in reply if len(row["interfaces"]) >= 2)
    assetid = computer["assetid"]
    page.goto(f"/computers/{assetid}/edit")
    rows = page.locator("[data-testid=rows-interfaces] tbody tr")
    shown = rows.count()  # the stored rows and one blank row
    assert shown == len(computer["interfaces"]) + 1
    page.fill("#field-interfaces-0-ipaddress", "10.20.30.40")
    page.check("#field-interfaces-1-_remove")
    page.click("[data-testid=addrow-interfaces]")
    assert rows.count() == shown + 1
    added = shown  # rows are numbered from 0: the added one comes after the blank one
    page.fill(f"#field-interfaces-{added}-name", "browser0")
    page.fill(f"#field-interfaces-{added}-macaddress", "0a:00:00:00:b0:01")
    shot(page, "interfaces-edit")
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(rf"/computers/{assetid}$"))
    data = page.request.get(f"/api/computers/{assetid}").json()["data"]
    macs = {row["macaddress"]: row for row in data["interfaces"]}
    first, second = sorted(computer["interfaces"], key=lambda row: row["computerinterfaceid"])[:2]
    assert macs[first["macaddress"]]["ipaddress"] == "10.20.30.40"
    assert second["macaddress"] not in macs
    assert macs["0a:00:00:00:b0:01"]["name"] == "browser0"


def test_axe_finds_no_serious_violation_on_the_write_pages(page_of):
    page = page_of("admin", bypass_csp=True)  # axe is injected as a script
    page.goto("/vendors")
    vendor = page.locator("table[data-testid=results] tbody tr td:first-child a").first
    page.goto(f"{vendor.get_attribute('href')}/delete")
    base.report(page, page.url)
    computer = page.request.get("/api/computers?perpage=1").json()["data"][0]
    page.goto(f"/computers/{computer['assetid']}/edit")
    base.report(page, page.url)
    page.goto("/printers?perpage=10")
    page.locator("input[data-select-row]").nth(0).check()
    page.locator("input[data-select-row]").nth(1).check()
    page.click("[data-testid=bulkdelete]")
    page.wait_for_selector("[data-testid=bulkpreview]")
    shot(page, "bulk-retire-preview")
    base.report(page, page.url)


def test_the_location_tree_narrows_as_one_types_and_filters(page_of, demo_app):
    with demo_app.app_context():
        session = get_session()
        child = session.scalars(
            select(Location).where(Location.parentlocationid.is_not(None)).order_by(Location.name)
        ).first()
        childid, childname = child.locationid, child.name
    page = page_of("viewer")
    page.goto("/computers")
    page.locator("#filters > details > summary").click()
    radio = page.locator(f"#tree-withinlocationid-{childid}")
    assert not radio.is_visible()  # folded inside its parent
    page.fill("input[data-tree-search]", childname)
    radio.wait_for(state="visible")
    hidden = page.locator("#tree-withinlocationid li[data-tree-name][hidden]")
    assert hidden.count() > 0  # places that do not match are gone
    radio.check()
    page.wait_for_url(re.compile(rf"withinlocationid={childid}"))
    # The folded Filters section counts the one filter on, not every place.
    assert page.locator("[data-filter-count]").inner_text() == "1 on"
    shot(page, "location-tree", full=False)
