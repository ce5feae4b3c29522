"""The write side of the generic pages on the demo site, signed in with the
browser's cookies and CSRF field: nested parts edited as rows, the location
tree filter, a bulk action posted from the list's own form."""

from __future__ import annotations

import re

from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AuditLog, Location
from tests.web.conftest import csrf
from tests.web.htmlforms import read_form


def computer_with_interfaces(client, least: int = 2) -> dict:
    reply = client.get("/api/computers?perpage=100").get_json()["data"]
    return next(row for row in reply if len(row["interfaces"]) >= least)


def interfaces(client, assetid: int) -> dict[str, dict]:
    data = client.get(f"/api/computers/{assetid}").get_json()["data"]
    return {row["macaddress"]: row for row in data["interfaces"]}


def test_a_pcs_interfaces_are_edited_in_place(browser_of):
    client = browser_of("editor")
    computer = computer_with_interfaces(client)
    assetid = computer["assetid"]
    html = client.get(f"/computers/{assetid}/edit").get_data(True)
    assert 'data-testid="rows-interfaces"' in html
    count = len(computer["interfaces"])
    # The stored rows, then one empty row to add to.
    assert f'name="interfaces-{count}-macaddress" value=""' in html
    first, second = sorted(computer["interfaces"], key=lambda row: row["computerinterfaceid"])[:2]
    form = read_form(html)
    form["interfaces-0-ipaddress"] = "10.9.8.7"
    form["interfaces-1-_remove"] = "true"
    form[f"interfaces-{count}-name"] = "added0"
    form[f"interfaces-{count}-macaddress"] = "0a:00:00:00:be:ef"
    response = client.post(f"/computers/{assetid}/edit", data=form)
    assert response.status_code == 303, response.get_data(True)[-3000:]
    stored = interfaces(client, assetid)
    assert stored[first["macaddress"]]["ipaddress"] == "10.9.8.7"
    assert second["macaddress"] not in stored
    assert stored["0a:00:00:00:be:ef"]["name"] == "added0"
    assert len(stored) == count


def test_a_bad_nested_field_is_named_beside_it_and_nothing_is_stored(demo_app, browser_of):
    client = browser_of("editor")
    computer = computer_with_interfaces(client, least=1)
    assetid = computer["assetid"]
    before = interfaces(client, assetid)
    html = client.get(f"/computers/{assetid}/edit").get_data(True)
    count = len(computer["interfaces"])
    form = read_form(html)
    form[f"interfaces-{count}-name"] = "broken"
    form[f"interfaces-{count}-macaddress"] = "not a mac"
    response = client.post(f"/computers/{assetid}/edit", data=form)
    assert response.status_code == 400
    page = response.get_data(True)
    assert f'data-testid="error-interfaces-{count}-macaddress"' in page
    assert 'value="not a mac"' in page  # the row the user typed stays
    assert interfaces(client, assetid) == before


def test_the_within_location_filter_is_a_tree(demo_app, browser_of):
    client = browser_of("viewer")
    with demo_app.app_context():
        session = get_session()
        child = session.scalars(
            select(Location).where(Location.parentlocationid.is_not(None)).limit(1)
        ).one()
        childid, parentid = child.locationid, child.parentlocationid
    html = client.get(f"/computers?withinlocationid={childid}").get_data(True)
    tree = html.split('data-testid="locationtree"', 1)[1].split("</fieldset>", 1)[0]
    assert f'value="{childid}" checked' in tree
    # The chosen location's branch stays unfolded, so it is seen.
    branch = tree.split(f'aria-controls="tree-withinlocationid-{parentid}-inside"', 1)[1]
    assert not branch.split(">", 1)[0].strip().startswith("data-tree-folded")


def test_a_bulk_edit_from_the_list_form_needs_its_csrf_value(demo_app, browser_of):
    client = browser_of("editor")
    listing = client.get("/printers?perpage=10").get_data(True)
    ids = re.findall(r'name="ids" value="(\d+)"', listing)[:3]
    statusid = re.search(r'id="bulk-assetstatusid".*?<option value="(\d+)">', listing, re.S)
    data = {"ids": ids, "action": "edit", "assetstatusid": statusid.group(1)}
    refused = client.post("/printers/bulk", data=data)
    assert refused.status_code == 303 and refused.headers["Location"].startswith("/signin")
    mark = _last_audit(demo_app)
    done = client.post("/printers/bulk", data={**data, "csrf_token": csrf(client)})
    assert done.status_code == 303
    assert "Changed" in client.get(done.headers["Location"]).get_data(True)
    with demo_app.app_context():
        entries = get_session().scalars(select(AuditLog).where(AuditLog.auditlogid > mark)).all()
    assert {entry.entityid for entry in entries} <= set(ids)


def _last_audit(app) -> int:
    with app.app_context():
        found = (
            get_session()
            .scalars(select(AuditLog.auditlogid).order_by(AuditLog.auditlogid.desc()).limit(1))
            .first()
        )
        return found or 0


def test_a_mac_another_pc_has_is_named_beside_its_row(browser_of):
    client = browser_of("editor")
    reply = client.get("/api/computers?perpage=100").get_json()["data"]
    mine, other = [row for row in reply if row["interfaces"]][:2]
    taken = other["interfaces"][0]["macaddress"]
    html = client.get(f"/computers/{mine['assetid']}/edit").get_data(True)
    count = len(mine["interfaces"])
    form = read_form(html)
    form[f"interfaces-{count}-name"] = "dup"
    form[f"interfaces-{count}-macaddress"] = taken
    response = client.post(f"/computers/{mine['assetid']}/edit", data=form)
    assert response.status_code == 409, response.status_code
    page = response.get_data(True)
    assert f'data-testid="error-interfaces-{count}-macaddress"' in page, page[-4000:]


def test_a_nested_field_that_names_a_lookup_is_a_select_of_names(browser_of):
    client = browser_of("editor")
    reply = client.get("/api/notifications?perpage=100").get_json()["data"]
    notice = next(row for row in reply if row["locations"])
    html = client.get(f"/notifications/{notice['notificationid']}/edit").get_data(True)
    select = html.split('name="locations-0-locationid"', 1)[1].split("</select>", 1)[0]
    chosen = notice["locations"][0]["locationid"]
    assert re.search(rf'<option value="{chosen}" selected>[^<]*[A-Za-z]', select), select[:500]
