"""The calibration rules, computed in SQL: next due date, the states and
their edge days, the list filters, the report, the dashboard summary, a
machine's banner, and the statements a filtered list costs."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask import render_template

from shopdb.database import get_database, get_session
from shopdb.plugins.runtime import current_runtime
from shopdb.testing.databases import count_queries
from tests.bundled.measuringtools.conftest import (
    CALIBRATIONS,
    NAME,
    URL,
    Site,
    days_ago,
    number,
)

pytestmark = pytest.mark.database


def state(site: Site, assetid: int) -> str:
    return site.instrument(assetid)["calibrationstate"]


def due_in(site: Site, days: int, interval: int = 365) -> dict:
    """An instrument whose last pass makes it due in `days` days."""
    tool = site.create(calibrationintervaldays=interval)
    site.calibrate(tool["assetid"], interval - days)
    return site.instrument(tool["assetid"])


# The rules ------------------------------------------------------------------------


def test_a_new_instrument_is_never_calibrated(site: Site):
    tool = site.create()
    assert (tool["calibrationstate"], tool["nextduedate"], tool["lastcalibrationdate"]) == (
        "nevercalibrated",
        None,
        None,
    )
    assert tool["calibrations"] == []


def test_next_due_date_is_the_last_pass_plus_the_interval(site: Site):
    tool = site.create(calibrationintervaldays=100)
    site.calibrate(tool["assetid"], 300)
    site.calibrate(tool["assetid"], 40, "adjusted")
    site.calibrate(tool["assetid"], 500)  # older records do not move it back
    found = site.instrument(tool["assetid"])
    assert found["lastcalibrationdate"] == days_ago(40)
    assert found["nextduedate"] == (date.today() + timedelta(days=60)).isoformat()
    assert found["calibrationstate"] == "ok"
    assert [row["calibrationdate"] for row in found["calibrations"]] == [
        days_ago(40),
        days_ago(300),
        days_ago(500),
    ]

    response = site.editor.patch(f"{URL}/{tool['assetid']}", json={"calibrationintervaldays": 30})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["calibrationstate"] == "overdue"  # due 10 days ago


@pytest.mark.parametrize(
    ("days", "expected"),
    [(-1, "overdue"), (0, "duesoon"), (1, "duesoon"), (30, "duesoon"), (31, "ok")],
)
def test_edge_days(site: Site, days: int, expected: str):
    """Due today is still usable (due soon); overdue from the next day; the
    30 due-soon days include the 30th."""
    found = due_in(site, days)
    assert found["nextduedate"] == (date.today() + timedelta(days=days)).isoformat()
    assert found["calibrationstate"] == expected


def test_a_fail_puts_it_out_of_service_until_a_later_pass(site: Site):
    tool = site.create()
    assetid = tool["assetid"]
    site.calibrate(assetid, 200)
    site.calibrate(assetid, 20, "fail")
    found = site.instrument(assetid)
    assert found["calibrationstate"] == "outofservice"
    assert found["lastcalibrationdate"] == days_ago(200)  # the last good one
    site.calibrate(assetid, 10, "pass")
    assert state(site, assetid) == "ok"
    site.calibrate(assetid, 5, "fail")
    assert state(site, assetid) == "outofservice"
    site.calibrate(assetid, 5, "adjusted")  # the same day: adjusted after the fail
    assert state(site, assetid) == "ok"


def test_a_fail_without_any_pass_is_out_of_service(site: Site):
    tool = site.create()
    site.calibrate(tool["assetid"], 3, "fail")
    assert state(site, tool["assetid"]) == "outofservice"


def test_deleting_the_fail_brings_it_back(site: Site):
    tool = site.create()
    site.calibrate(tool["assetid"], 30)
    failed = site.calibrate(tool["assetid"], 2, "fail")
    assert state(site, tool["assetid"]) == "outofservice"
    response = site.editor.delete(f"{CALIBRATIONS}/{failed['calibrationid']}")
    assert response.status_code == 204
    assert state(site, tool["assetid"]) == "ok"


def test_the_due_soon_setting_moves_the_window(site: Site):
    found = due_in(site, 20)
    assert found["calibrationstate"] == "duesoon"
    old = site.setting("duesoondays", 10)
    try:
        assert state(site, found["assetid"]) == "ok"
    finally:
        site.setting("duesoondays", old)
    assert state(site, found["assetid"]) == "duesoon"


@pytest.mark.parametrize("days", [-1, 3651, 2**31 - 1])
def test_the_due_soon_setting_stays_within_the_calendar(site: Site, days: int):
    """Added to dates in SQL: PostgreSQL answered 2**31 - 1 days with an
    out-of-range error on every list."""
    name = "plugin.measuringtools.duesoondays"
    reply = site.admin.get("/api/settings", query_string={"setting": name}).get_json()
    (row,) = reply["data"]
    response = site.admin.patch(f"/api/settings/{row['settingid']}", json={"value": days})
    assert response.status_code == 400
    assert repr(name) in response.get_json()["data"]["error"]["message"]
    assert site.editor.get("/api/measuringtools").status_code == 200


def test_bad_calibration_input_names_the_field(site: Site):
    tool = site.create()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for field, value in (
        ("result", "ok"),
        ("performedby", "someone"),
        ("calibrationdate", tomorrow),
    ):
        body = {
            "assetid": tool["assetid"],
            "calibrationdate": days_ago(1),
            "result": "pass",
            "performedby": "inhouse",
            field: value,
        }
        response = site.editor.post(CALIBRATIONS, json=body)
        assert response.status_code == 400, (field, response.get_json())
        assert field in response.get_json()["data"]["error"]["details"], field
    response = site.editor.patch(f"{URL}/{tool['assetid']}", json={"calibrationintervaldays": 0})
    assert response.status_code == 400
    assert "calibrationintervaldays" in response.get_json()["data"]["error"]["details"]


# Lists, report, dashboard, banner ----------------------------------------------------


def test_a_filter_for_each_state(site: Site):
    made = {
        "overdue": due_in(site, -3)["assetid"],
        "duesoon": due_in(site, 3)["assetid"],
        "ok": due_in(site, 100)["assetid"],
        "nevercalibrated": site.create()["assetid"],
    }
    broken = site.create()["assetid"]
    site.calibrate(broken, 1, "fail")
    made["outofservice"] = broken
    for wanted, assetid in made.items():
        reply = site.editor.get(URL, query_string={"calibrationstate": wanted, "perpage": 500})
        rows = reply.get_json()["data"]
        assert assetid in {row["assetid"] for row in rows}, wanted
        assert {row["calibrationstate"] for row in rows} == {wanted}
    response = site.editor.get(URL, query_string={"calibrationstate": "late"})
    assert response.status_code == 400
    assert "calibrationstate" in response.get_json()["data"]["error"]["details"]
    two = site.editor.get(
        URL, query_string=[("calibrationstate", "overdue"), ("calibrationstate", "duesoon")]
    ).get_json()["data"]
    assert {made["overdue"], made["duesoon"]} <= {row["assetid"] for row in two}


def test_filter_and_sort_by_next_due_date(site: Site):
    soon = due_in(site, 2)
    later = due_in(site, 4)
    day = soon["nextduedate"]
    reply = site.editor.get(
        URL, query_string={"nextduedatemin": day, "nextduedatemax": day, "perpage": 500}
    ).get_json()
    assert soon["assetid"] in {row["assetid"] for row in reply["data"]}
    assert later["assetid"] not in {row["assetid"] for row in reply["data"]}
    rows = site.editor.get(URL, query_string={"sort": "nextduedate", "perpage": 500}).get_json()
    dates = [row["nextduedate"] for row in rows["data"] if row["nextduedate"]]
    assert dates == sorted(dates)


def test_the_report_lists_what_is_due_soonest_first_and_exports_csv(site: Site):
    overdue = due_in(site, -5)
    inside = due_in(site, 6)
    outside = due_in(site, 200)
    retired = due_in(site, -4)
    assert site.editor.delete(f"{URL}/{retired['assetid']}").status_code == 204

    reply = site.editor.get(f"{URL}/report", query_string={"days": 7})
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    ids = [row["assetid"] for row in body["data"]]
    assert overdue["assetid"] in ids and inside["assetid"] in ids
    assert outside["assetid"] not in ids and retired["assetid"] not in ids
    assert ids.index(overdue["assetid"]) < ids.index(inside["assetid"])
    row = next(row for row in body["data"] if row["assetid"] == inside["assetid"])
    assert (row["daysleft"], row["instrumenttype"], row["calibrationstate"]) == (
        6,
        "micrometer",
        "duesoon",
    )
    assert body["meta"]["total"] == len(ids)

    ahead = site.editor.get(f"{URL}/report", query_string={"days": 7, "includeoverdue": "false"})
    assert overdue["assetid"] not in [row["assetid"] for row in ahead.get_json()["data"]]

    exported = site.editor.get(f"{URL}/report", query_string={"days": 7, "format": "csv"})
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [int(row["assetid"]) for row in rows] == ids
    assert rows[ids.index(inside["assetid"])]["nextduedate"] == inside["nextduedate"]

    for query in ({"days": -1}, {"days": "x"}, {"format": "xml"}, {"nosuch": 1}):
        assert site.editor.get(f"{URL}/report", query_string=query).status_code == 400, query


def test_the_dashboard_summary_counts_every_state(site: Site):
    before = site.editor.get(f"{URL}/summary").get_json()["data"]
    assert set(before["counts"]) == {"ok", "duesoon", "overdue", "outofservice", "nevercalibrated"}
    due_in(site, -2)
    after = site.editor.get(f"{URL}/summary").get_json()["data"]
    assert after["counts"]["overdue"] == before["counts"]["overdue"] + 1
    assert after["due"][0]["calibrationstate"] == "overdue"
    (widget,) = current_runtime(site.app).get(NAME).parts.widgets
    assert widget.name == "calibrationsdue"
    with site.app.app_context():
        html = render_template(widget.template, **widget.context(get_session()))
    assert f"{after['counts']['overdue']} overdue" in html


def test_a_machine_shows_a_banner_while_an_instrument_part_of_it_is_overdue(site: Site):
    host = machine(site)
    gauge = due_in(site, -1)
    partof = site.admin.get("/api/relationshiptypes", query_string={"relationshiptype": "partof"})
    (kind,) = partof.get_json()["data"]
    response = site.editor.post(
        "/api/assetrelationships",
        json={
            "sourceassetid": gauge["assetid"],
            "targetassetid": host["assetid"],
            "relationshiptypeid": kind["relationshiptypeid"],
        },
    )
    assert response.status_code == 201, response.get_json()
    banner = site.editor.get(f"{URL}/banner/{host['assetid']}").get_json()["data"]
    assert banner["show"] is True
    assert [row["assetid"] for row in banner["instruments"]] == [gauge["assetid"]]
    assert gauge["assetnumber"] in banner["message"]

    site.calibrate(gauge["assetid"], 0)
    banner = site.editor.get(f"{URL}/banner/{host['assetid']}").get_json()["data"]
    assert (banner["show"], banner["instruments"], banner["instrumentcount"]) == (False, [], 1)


def machine(site: Site) -> dict:
    """A machine of a type no plugin owns (made once), as a site without the
    equipment plugin has them."""
    types = site.admin.get("/api/assettypes", query_string={"assettype": "testmachine"})
    found = types.get_json()["data"]
    if not found:
        response = site.admin.post(
            "/api/assettypes", json={"assettype": "testmachine", "label": "Test machine"}
        )
        assert response.status_code == 201, response.get_json()
        found = [response.get_json()["data"]]
    statuses = site.admin.get("/api/assetstatuses", query_string={"assetstatus": "active"})
    body = {
        "assetstatusid": statuses.get_json()["data"][0]["assetstatusid"],
        "assetnumber": f"MACH-{number()}",
        "name": "Lathe",
        "assettypeid": found[0]["assettypeid"],
    }
    response = site.editor.post("/api/assets", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


# Statements -------------------------------------------------------------------------


def test_a_filtered_list_costs_the_statements_of_any_list(site: Site):
    for days in (-3, 5, 90):
        due_in(site, days)
    engine = get_database(site.app).engine
    counts = {}
    for name, url, query in (
        ("overdue", URL, {"calibrationstate": "overdue", "perpage": 500}),
        ("unfiltered", URL, {"perpage": 1}),
        ("by due date", URL, {"sort": "-nextduedate", "nextduedatemax": "2100-01-01"}),
        # Any list that names its lookups (one statement, shopdb.resources.naming).
        ("assets", "/api/assets", {}),
    ):
        with count_queries(engine) as counted:
            assert site.editor.get(url, query_string=query).status_code == 200
        counts[name] = counted.count
    assert len(set(counts.values())) == 1, counts
