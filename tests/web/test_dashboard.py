"""The dashboard and the PC relationships report on the demo site: the
numbers match the lists they link to, the statements do not grow with the
data, and the report's files are what the page shows."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from shopdb.bundled.computers.models import Computer
from shopdb.database import get_database, get_session
from shopdb.models import Asset, AssetStatus, AssetType, LocationType, RelationshipType, utcnow
from shopdb.services.settings import STALE_DAYS_SETTING, set_setting
from shopdb.testing.databases import count_queries
from shopdb.web import PluginPages
from tests.web.conftest import csrf, sign_in


def total_of(client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, (url, page.data[:300])
    return int(re.search(rb'data-testid="total">(\d+)', page.data).group(1))


def set_days(app, days: int) -> None:
    with app.app_context():
        session = get_session()
        set_setting(session, STALE_DAYS_SETTING, days)
        session.commit()


def edge(app, client, source: dict, target: dict, kind: str) -> None:
    with app.app_context():
        typeid = get_session().scalar(
            select(RelationshipType.relationshiptypeid).where(
                RelationshipType.relationshiptype == kind
            )
        )
    body = {"sourceassetid": source["assetid"], "targetassetid": target["assetid"]}
    api_post(client, "/api/assetrelationships", {**body, "relationshiptypeid": typeid})


def api_post(client, url: str, body: dict) -> dict:
    reply = client.post(url, json=body, headers={"X-CSRF-TOKEN": csrf(client)})
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["data"]


# Counts ----------------------------------------------------------------------------


def test_each_count_is_the_total_of_the_list_it_links_to(demo_app, browser_of):
    client = browser_of("viewer")
    html = client.get("/").get_data(True)
    cells = re.findall(r'<a href="([^"]+)" data-testid="count-([^"]+)">(\d+)</a>', html)
    assert len(cells) >= 5
    for url, _, shown in cells:
        assert total_of(client, url.replace("&amp;", "&")) == int(shown), url
    with demo_app.app_context():
        session = get_session()
        active = session.scalar(
            select(func.count())
            .select_from(Asset)
            .join(AssetType)
            .join(AssetStatus)
            .where(AssetType.assettype == "computer", AssetStatus.assetstatus == "active")
        )
        label = session.scalar(select(AssetType.label).where(AssetType.assettype == "computer"))
    found = {name: int(count) for _, name, count in cells}
    assert found[f"{label}-active"] == active


# Not seen by a collector -------------------------------------------------------------


def test_pcs_not_seen_for_the_set_number_of_days_are_listed(demo_app, browser_of):
    with demo_app.app_context():
        session = get_session()
        ids = session.scalars(
            select(Computer.assetid).join(Asset).where(Asset.isactive.is_(True)).limit(3)
        ).all()
        session.execute(
            update(Computer)
            .where(Computer.assetid.in_(ids))
            .values(lastseen=utcnow() - timedelta(days=30))
        )
        session.commit()
    client = browser_of("viewer")
    try:
        set_days(demo_app, 20)
        html = client.get("/").get_data(True)
        stale = html.split('data-testid="stale"', 1)[1].split("</section>", 1)[0]
        assert "for 20 days" in stale
        shown = re.search(r'href="([^"]+)" data-testid="stale-computers">[^:]+: (\d+)', stale)
        url, count = shown.group(1).replace("&amp;", "&"), int(shown.group(2))
        assert count >= 3
        assert total_of(client, url) == count
        for assetid in ids:
            assert f'href="/computers/{assetid}"' in stale
        set_days(demo_app, 40)
        html = client.get("/").get_data(True)
        stale = html.split('data-testid="stale"', 1)[1].split("</section>", 1)[0]
        assert "for 40 days" in stale
        assert not any(f'href="/computers/{assetid}"' in stale for assetid in ids)
    finally:
        set_days(demo_app, 7)


# Recent changes, widgets ---------------------------------------------------------------


def test_recent_changes_link_to_their_records_for_admins_only(browser_of):
    admin = browser_of("admin")
    vendor = api_post(admin, "/api/vendors", {"vendor": "Dashboard vendor"})
    html = admin.get("/").get_data(True)
    changes = html.split('data-testid="changes"', 1)[1].split("</section>", 1)[0]
    assert f'href="/vendors/{vendor["vendorid"]}"' in changes
    assert 'data-testid="changes"' not in browser_of("editor").get("/").get_data(True)


def test_plugin_widgets_show_on_the_dashboard(browser_of):
    html = browser_of("viewer").get("/").get_data(True)
    for widget in (
        "measuringtools-calibrationsdue",
        "printers-lowsupplies",
        "notifications-active",
    ):
        assert f'data-testid="widget-{widget}"' in html, widget
    assert "Calibrations due" in html


def test_a_failing_widget_leaves_the_dashboard_standing(demo_app, browser_of):
    class Broken:
        name, title, template, order = "broken", "Broken card", "web/index.html", 1

        @staticmethod
        def context(session):
            raise RuntimeError("this card is broken")

    site = demo_app.extensions["shopdb.web"]
    site.plugins.append(PluginPages("brokenplugin", widgets=[Broken()]))
    try:
        response = browser_of("viewer").get("/")
    finally:
        site.plugins.pop()
    assert response.status_code == 200
    card = response.get_data(True).split('data-testid="widget-brokenplugin-broken"', 1)[1]
    assert "This card failed to load" in card.split("</section>", 1)[0]


def test_the_dashboard_asks_anonymous_callers_to_sign_in(demo_app):
    page = demo_app.test_client().get("/")
    assert page.status_code == 200
    assert b"Sign in to see" in page.data
    assert b'data-testid="counts"' not in page.data


# Statements -------------------------------------------------------------------------------


def dashboard_statements(app, client) -> int:
    with count_queries(get_database(app).engine) as counter:
        assert client.get("/").status_code == 200
    return counter.count


def test_the_dashboard_statements_do_not_grow_with_the_data(demo_app, browser_of):
    client = browser_of("admin")
    # One stale PC first: a list with rows also loads their nested parts
    # (one statement), whatever the number of rows.
    with demo_app.app_context():
        session = get_session()
        session.execute(
            update(Computer)
            .where(
                Computer.assetid
                == select(func.min(Asset.assetid))
                .join(Computer, Computer.assetid == Asset.assetid)
                .where(Asset.isactive.is_(True))
                .scalar_subquery()
            )
            .values(lastseen=utcnow() - timedelta(days=400))
        )
        session.commit()
    dashboard_statements(demo_app, client)
    before = dashboard_statements(demo_app, client)
    with demo_app.app_context():
        session = get_session()
        statuses = session.scalars(select(AssetStatus.assetstatusid)).all()
    for number in range(12):
        api_post(
            client,
            "/api/computers",
            {
                "hostname": f"zzdashpc{number:02d}",
                "assetstatusid": statuses[number % len(statuses)],
            },
        )
    with demo_app.app_context():
        session = get_session()
        session.execute(
            update(Computer)
            .where(Computer.hostname.like("zzdashpc%"))
            .values(lastseen=utcnow() - timedelta(days=90))
        )
        session.commit()
    dashboard_statements(demo_app, client)  # what the writes left to do (search index) runs once
    assert dashboard_statements(demo_app, client) == before
    assert dashboard_statements(demo_app, browser_of("viewer")) <= before


# The PC relationships report ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cell(demo_app):
    """A PC that controls a cell, two machines part of the cell (one with a
    name a spreadsheet would run), and a location for the cell."""
    client = demo_app.test_client()
    sign_in(client, "admin")
    with demo_app.app_context():
        kind = get_session().scalar(select(LocationType.locationtypeid).limit(1))
        active = get_session().scalar(
            select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == "active")
        )
    location = api_post(client, "/api/locations", {"name": "Report hall", "locationtypeid": kind})
    machine = api_post(
        client, "/api/assettypes", {"assettype": "reportmachine", "label": "Report machine"}
    )
    pc = api_post(client, "/api/computers", {"hostname": "zzreportpc01"})
    body = {
        "assettypeid": machine["assettypeid"],
        "assetstatusid": active,
        "locationid": location["locationid"],
    }
    cellasset = api_post(client, "/api/assets", {**body, "assetnumber": "REPCELL-1"})
    first = api_post(client, "/api/assets", {**body, "assetnumber": "REPM-1", "name": "=1+2"})
    second = api_post(
        client,
        "/api/assets",
        {"assettypeid": machine["assettypeid"], "assetstatusid": active, "assetnumber": "REPM-2"},
    )
    for source, target, kind in (
        (pc, cellasset, "controls"),
        (first, cellasset, "partof"),
        (second, cellasset, "partof"),
    ):
        edge(demo_app, client, source, target, kind)
    return {"pc": pc, "cell": cellasset, "first": first, "second": second}


def test_the_report_shows_each_pc_its_machines_and_where_they_stand(browser_of, cell):
    client = browser_of("viewer")
    html = client.get(
        f"/reports/pcrelationships?q=zzreportpc&assettypeid={cell['pc']['assettypeid']}"
    )
    html = html.get_data(True)
    assert "ZZREPORTPC01" in html
    block = html.split("ZZREPORTPC01", 1)[1].split("rowgroup", 1)[0]
    assert "REPCELL-1" in block and "REPM-1" in block and "REPM-2" in block
    assert "Report hall" in block
    # The machines part of the cell come through it.
    assert f'href="/assets/{cell["cell"]["assetid"]}">REPCELL-1</a></td>' in block


def test_the_report_exports_csv_and_xlsx_without_formulas(browser_of, cell):
    client = browser_of("viewer")
    reply = client.get("/reports/pcrelationships?format=csv&q=ZZREPORTPC0")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.get_data(True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["controller", "controllername", "controllertype", "machine"]
    mine = [row for row in rows if row[0] == "ZZREPORTPC01"]
    assert {row[3] for row in mine} == {"REPCELL-1", "REPM-1", "REPM-2"}
    derived = next(row for row in mine if row[3] == "REPM-1")
    assert derived[4] == "'=1+2"  # neutralised, as every export is
    assert derived[6] == "REPCELL-1"
    assert derived[8] == "Report hall"
    second = next(row for row in mine if row[3] == "REPM-2")
    assert second[8] == "Report hall"  # stands where the cell it is part of stands
    reply = client.get("/reports/pcrelationships?format=xlsx&q=ZZREPORTPC0")
    assert reply.status_code == 200
    sheet = load_workbook(io.BytesIO(reply.data), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == rows[0]
    assert [[cell or "" for cell in row] for row in values] == rows
    assert client.get("/reports/pcrelationships?format=pdf").status_code == 400
    assert client.get("/reports/pcrelationships?assettypeid=x").status_code == 400


def test_the_report_statements_do_not_grow_with_the_data(demo_app, browser_of, cell):
    client = browser_of("viewer")
    engine = get_database(demo_app).engine
    with count_queries(engine) as before:
        assert client.get("/reports/pcrelationships").status_code == 200
    admin = browser_of("admin")
    pc = api_post(admin, "/api/computers", {"hostname": "zzreportpc02"})
    for number in range(5):
        machine = api_post(
            admin,
            "/api/assets",
            {
                "assettypeid": cell["first"]["assettypeid"],
                "assetstatusid": cell["first"]["assetstatusid"],
                "assetnumber": f"REPX-{number}",
            },
        )
        edge(demo_app, admin, pc, machine, "controls")
    with count_queries(engine) as after:
        assert client.get("/reports/pcrelationships").status_code == 200
    assert after.count == before.count
    assert client.get("/reports/pcrelationships").status_code == 200
    assert demo_app.test_client().get("/reports/pcrelationships").status_code == 303
