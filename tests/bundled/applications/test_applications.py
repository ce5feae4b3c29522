"""The applications plugin through its API: applications (a name unique in
any case, the vendor by name, documentation links), installations written by
name and listed per application and per computer, and the demo part."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import Setting
from tests.bundled.applications.conftest import unique
from tests.collectors.conftest import run

pytestmark = pytest.mark.database


def created(site, url: str, **body: Any) -> dict[str, Any]:
    response = site.editor.post(url, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def computer(site) -> dict[str, Any]:
    return created(site, "/api/computers", hostname=unique("PC"))


def test_install_stores_an_empty_software_filter_an_admin_can_change(site):
    with site.app.app_context():
        row = get_session().scalar(
            select(Setting).where(Setting.setting == "plugin.applications.softwarefilter")
        )
        assert row is not None
        assert row.value == "[]"


def test_an_application_name_is_unique_in_any_case(site):
    name = unique("Calypso")
    first = created(site, "/api/applications", name=f"  Zeiss  {name} ")
    assert first["name"] == f"Zeiss {name}"
    assert "namekey" not in first
    response = site.editor.post("/api/applications", json={"name": f"ZEISS {name.lower()}"})
    assert response.status_code == 409
    details = response.get_json()["data"]["error"]["details"]
    assert "compared in any case" in details["name"][0]
    assert f"applicationid {first['applicationid']}" in details["name"][0]
    other = created(site, "/api/applications", name=unique("PC-DMIS"))
    url = f"/api/applications/{other['applicationid']}"
    renamed = site.editor.patch(url, json={"name": f"zeiss {name}"})
    assert renamed.status_code == 409
    # Renaming to another spelling of its own name is fine.
    same = site.editor.patch(url, json={"name": other["name"].upper()})
    assert same.status_code == 200, same.get_json()
    blank = site.editor.post("/api/applications", json={"name": "   "})
    assert blank.status_code == 400
    assert "name" in blank.get_json()["data"]["error"]["details"]


def test_the_vendor_by_name_and_the_documentation_link_is_http_only(site):
    vendor = created(site, "/api/vendors", vendor=unique("CGTech"))
    record = created(
        site,
        "/api/applications",
        name=unique("Vericut"),
        vendor=vendor["vendor"].lower(),
        version="9.4",
        licence="2 floating seats",
        supportcontact="support@cgtech.example",
        documentationurl="https://www.cgtech.com/support/",
        notes="Machine models on the CAM share.",
    )
    assert record["vendorid"] == vendor["vendorid"]
    for link in ("javascript:alert(1)", "file:///c:/docs", "ftp://docs.example/"):
        response = site.editor.post(
            "/api/applications", json={"name": unique("Bad"), "documentationurl": link}
        )
        assert response.status_code == 400, link
        assert "documentationurl" in response.get_json()["data"]["error"]["details"]
    listed = site.editor.get("/api/applications", query_string={"vendor": vendor["vendor"]})
    assert [row["applicationid"] for row in listed.get_json()["data"]] == [record["applicationid"]]


def test_installations_by_name_listed_per_computer_and_per_application(site):
    application = created(site, "/api/applications", name=unique("DNC"))
    pcs = [computer(site) for _ in range(3)]
    for index, pc in enumerate(pcs):
        created(
            site,
            "/api/installations",
            application=application["name"].upper(),
            computer=pc["hostname"],
            version="8.12" if index else "8.10",
            installdate="2025-03-01",
        )
    twice = site.editor.post(
        "/api/installations",
        json={"applicationid": application["applicationid"], "assetid": pcs[0]["assetid"]},
    )
    assert twice.status_code == 409
    per_pc = site.editor.get("/api/installations", query_string={"computer": pcs[1]["hostname"]})
    rows = per_pc.get_json()["data"]
    assert [(row["application"], row["hostname"], row["version"]) for row in rows] == [
        (application["name"], pcs[1]["hostname"], "8.12")
    ]
    assert rows[0]["iscollected"] is False
    by_id = site.editor.get("/api/installations", query_string={"assetid": pcs[2]["assetid"]})
    assert len(by_id.get_json()["data"]) == 1
    per_app = site.editor.get(
        "/api/installations", query_string={"application": application["name"]}
    )
    assert len(per_app.get_json()["data"]) == 3
    detail = site.editor.get(f"/api/applications/{application['applicationid']}").get_json()
    shown = detail["data"]
    assert [row["hostname"] for row in shown["installations"]] == sorted(
        pc["hostname"] for pc in pcs
    )
    assert shown["installedversions"] == [
        {"version": "8.10", "count": 1},
        {"version": "8.12", "count": 2},
    ]
    unknown = site.editor.post(
        "/api/installations", json={"application": application["name"], "computer": "no-such-pc"}
    )
    assert unknown.status_code == 400
    assert "computer" in unknown.get_json()["data"]["error"]["details"]


def test_an_application_with_installations_is_not_deleted_from_under_them(site):
    application = created(site, "/api/applications", name=unique("MES"))
    pc = computer(site)
    created(
        site,
        "/api/installations",
        applicationid=application["applicationid"],
        assetid=pc["assetid"],
    )
    response = site.editor.delete(f"/api/applications/{application['applicationid']}")
    assert response.status_code == 409
    assert "installations" in response.get_json()["data"]["error"]["message"]


def test_seed_demo_installs_the_applications_by_what_each_computer_is_for(site):
    first = run(site.app, "seed", "--demo").output
    assert "applications: Added 12 applications and " in first
    again = run(site.app, "seed", "--demo").output
    assert "applications: nothing to add." in again
    calypso = site.editor.get("/api/applications", query_string={"name": "Zeiss Calypso"})
    (row,) = calypso.get_json()["data"]
    detail = site.editor.get(f"/api/applications/{row['applicationid']}").get_json()["data"]
    cmm = site.editor.get(
        "/api/computers", query_string={"computertype": "CMM PC", "perpage": 500}
    ).get_json()["data"]
    assert cmm, "the demo has CMM PCs"
    assert {item["assetid"] for item in detail["installations"]} == {pc["assetid"] for pc in cmm}
    dnc = site.editor.get("/api/installations", query_string={"application": "Cimco DNC-Max"})
    assert dnc.get_json()["meta"]["pagination"]["total"] > 10
