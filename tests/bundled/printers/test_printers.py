"""The printers plugin through its API and its collector: install, records
with supplies, the printer type by name, the asset endpoint pointing to
/api/printers, queue lists pushed by a script, the low-supply list and its
dashboard widget."""

from __future__ import annotations

from typing import Any

import pytest
from flask import render_template
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AssetType, Setting
from shopdb.plugins.runtime import current_runtime
from shopdb.testing.sites import invoke
from tests.bundled.printers.conftest import hostname

pytestmark = pytest.mark.database


def created(site, **values: Any) -> dict[str, Any]:
    body = {"hostname": hostname(), **values}
    response = site.editor.post("/api/printers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


# Install -------------------------------------------------------------------------


def test_install_registers_the_asset_type_types_and_threshold(site):
    with site.app.app_context():
        session = get_session()
        kind = session.scalar(select(AssetType).where(AssetType.assettype == "printer"))
        assert (kind.label, kind.pluginname, kind.icon) == ("Printer", "printers", "printer")
        setting = session.scalar(
            select(Setting).where(Setting.setting == "plugin.printers.lowsupplythreshold")
        )
        assert setting.value == "15"
    names = {row["printertype"] for row in site.editor.get("/api/printertypes").get_json()["data"]}
    assert {"laser", "label", "plotter", "MFP"} <= names


def test_an_asset_of_type_printer_is_created_at_api_printers(site):
    typeid = site.editor.get("/api/assettypes", query_string={"assettype": "printer"})
    (row,) = typeid.get_json()["data"]
    status = site.editor.get("/api/assetstatuses", query_string={"assetstatus": "active"})
    body = {
        "assetnumber": hostname(),
        "assettypeid": row["assettypeid"],
        "assetstatusid": status.get_json()["data"][0]["assetstatusid"],
    }
    response = site.editor.post("/api/assets", json=body)
    assert response.status_code == 400
    error = response.get_json()["data"]["error"]
    assert "create them at /api/printers" in error["message"], error


# Records -------------------------------------------------------------------------


def test_a_printer_with_its_supplies_in_one_request(site):
    name = hostname()
    record = created(
        site,
        hostname=f"{name}.Plant1.local",
        ipaddress="10.30.1.7",
        macaddress="AA-BB-CC-00-11-22",
        queuename=name,
        printertype="label",
        serialnumber="ZT4-0001",
        supplies=[
            {"name": "ribbon", "color": "black", "levelpercent": 42.5, "maxcapacity": 450},
            {"name": "labels", "levelpercent": 80},
        ],
    )
    assert record["hostname"] == f"{name.lower()}.plant1.local"
    assert record["assetnumber"] == name.upper()
    assert record["macaddress"] == "aa:bb:cc:00:11:22"
    assert record["serialnumber"] == "ZT4-0001"
    assert record["monitoringstatus"] is None and record["lastzabbixsync"] is None
    assert sorted((row["name"], row["levelpercent"]) for row in record["supplies"]) == [
        ("labels", 80.0),
        ("ribbon", 42.5),
    ]
    types = site.editor.get("/api/printertypes", query_string={"printertype": "label"})
    assert record["printertypeid"] == types.get_json()["data"][0]["printertypeid"]
    found = site.editor.get("/api/printers", query_string={"q": "10.30.1.7"}).get_json()["data"]
    assert [row["assetid"] for row in found] == [record["assetid"]]
    low = site.editor.get("/api/printers", query_string={"levelpercentmax": 50, "queuename": name})
    assert [row["assetid"] for row in low.get_json()["data"]] == [record["assetid"]]


def test_bad_levels_and_monitoring_fields_are_refused(site):
    response = site.editor.post(
        "/api/printers",
        json={"hostname": hostname(), "supplies": [{"name": "toner", "levelpercent": 101}]},
    )
    assert response.status_code == 400
    assert "0 to 100" in str(response.get_json()["data"]["error"]["details"])
    response = site.editor.post(
        "/api/printers", json={"hostname": hostname(), "monitoringstatus": "available"}
    )
    assert response.status_code == 400
    response = site.editor.post("/api/printers", json={"hostname": "not a host name"})
    assert response.status_code == 400


def test_a_print_server_script_pushes_its_queue_list(site):
    first, second = hostname(), hostname()
    body = {
        "records": [
            {"hostname": first, "queuename": first, "ipaddress": "10.30.2.1", "printertype": "MFP"},
            {"hostname": second, "queuename": f"{second}-LABELS", "printertype": "label"},
        ]
    }
    response = site.push(body)
    assert response.status_code == 200, response.get_json()
    actions = [row["action"] for row in response.get_json()["data"]["results"]]
    assert actions == ["created", "created"]
    again = site.push({"hostname": first.lower(), "queuename": first})
    assert again.get_json()["data"]["action"] == "noop"
    moved = site.pushed({"hostname": first, "ipaddress": "10.30.2.9"})
    assert moved["action"] == "updated"
    shown = site.editor.get(f"/api/printers/{moved['assetid']}").get_json()["data"]
    assert (shown["ipaddress"], shown["queuename"]) == ("10.30.2.9", first)


# Low supplies --------------------------------------------------------------------


def test_the_low_supply_list_follows_the_threshold_setting(site):
    name = hostname()
    record = created(
        site,
        hostname=name,
        supplies=[
            {"name": "black toner", "color": "black", "levelpercent": 3},
            {"name": "cyan toner", "color": "cyan", "levelpercent": 14},
            {"name": "yellow toner", "color": "yellow", "levelpercent": 60},
        ],
    )
    reply = site.editor.get("/api/printers/lowsupplies").get_json()
    assert reply["meta"] == {"threshold": 15}
    mine = [row for row in reply["data"] if row["assetid"] == record["assetid"]]
    assert [(row["supply"], row["levelpercent"]) for row in mine] == [
        ("black toner", 3.0),
        ("cyan toner", 14.0),
    ]
    levels = [row["levelpercent"] for row in reply["data"]]
    assert levels == sorted(levels)
    setting = site.admin.get(
        "/api/settings", query_string={"setting": "plugin.printers.lowsupplythreshold"}
    ).get_json()["data"][0]
    changed = site.admin.patch(f"/api/settings/{setting['settingid']}", json={"value": 5})
    assert changed.status_code == 200, changed.get_json()
    try:
        reply = site.editor.get("/api/printers/lowsupplies").get_json()
        assert reply["meta"] == {"threshold": 5}
        mine = [row["supply"] for row in reply["data"] if row["assetid"] == record["assetid"]]
        assert mine == ["black toner"]
        with site.app.test_request_context():
            (widget,) = current_runtime(site.app).get("printers").parts.widgets
            context = widget.context(get_session())
            html = render_template(widget.template, **context)
        assert "at 5 % or less" in html
        assert f"/printers/{record['assetid']}" in html and "black toner" in html
    finally:
        site.admin.patch(f"/api/settings/{setting['settingid']}", json={"value": 15})
    retired = site.editor.delete(f"/api/printers/{record['assetid']}")
    assert retired.status_code == 204
    rows = site.editor.get("/api/printers/lowsupplies").get_json()["data"]
    assert record["assetid"] not in [row["assetid"] for row in rows]


def test_anonymous_callers_cannot_read_the_low_supply_list(site):
    assert site.callers[None].get("/api/printers/lowsupplies").status_code == 401


# The Zabbix sync command without a server ------------------------------------------


def test_the_sync_command_names_what_is_missing(site, monkeypatch):
    monkeypatch.delenv("SHOPDB_ZABBIX_URL", raising=False)
    result = invoke(site.app, "printers", "sync-zabbix")
    assert result.exit_code == 1
    assert "No Zabbix API url: set SHOPDB_ZABBIX_URL" in result.output
    result = invoke(site.app, "printers", "sync-zabbix", "--dry-run")
    assert "--dry-run goes with --create-from-group" in result.output
