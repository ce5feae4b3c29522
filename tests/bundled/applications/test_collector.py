"""The `software` part of the computers collector, which this plugin adds:
installations kept in step with what a PC reports (added, version changed,
removed), one application however a name is spelt, hand-typed rows left
alone, the site's filter, dry runs, and the part's checks at load."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AuditLog, Setting
from shopdb.plugins import CollectorPart, PluginContractError
from shopdb.plugins.contract import _collector_parts
from shopdb.plugins.runtime import attach_collector_parts, current_runtime
from tests.bundled.applications.conftest import unique
from tests.collectors.conftest import SHARED_KEY


def push(site, body: dict[str, Any], query: str = "") -> dict[str, Any]:
    response = site.app.test_client().post(
        f"/api/collector/computers{query}", json=body, headers={"X-API-Key": SHARED_KEY}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def installed(site, hostname: str) -> dict[str, tuple[str | None, bool]]:
    reply = site.editor.get(
        "/api/installations", query_string={"computer": hostname, "perpage": 500}
    ).get_json()
    return {row["application"]: (row["version"], row["iscollected"]) for row in reply["data"]}


@pytest.mark.database
def test_three_pushes_add_change_and_remove_installations(site):
    pc = unique("PC").lower()
    cam, dnc, edge = unique("CAM"), unique("DNC"), unique("Edge")
    first = push(
        site,
        {
            "hostname": pc,
            "software": [
                {"name": cam, "version": "2023", "installdate": "2024-05-02"},
                {"name": dnc, "version": "8.10"},
                {"name": edge},
            ],
        },
    )
    assert first["action"] == "created"
    assert installed(site, pc) == {cam: ("2023", True), dnc: ("8.10", True), edge: (None, True)}

    second = push(
        site,
        {
            "hostname": pc,
            "software": [
                {"name": cam.upper(), "version": "2024"},  # another spelling: the same one
                {"name": dnc, "version": "8.10"},
                {"name": edge},
            ],
        },
    )
    assert second["action"] == "updated"
    assert second["changes"] == {f"software.{cam}": {"before": "2023", "after": "2024"}}
    assert installed(site, pc) == {cam: ("2024", True), dnc: ("8.10", True), edge: (None, True)}

    third = push(site, {"hostname": pc, "software": [{"name": cam, "version": "2024"}]})
    assert third["changes"] == {
        f"software.{dnc}": {"before": "8.10", "after": None},
        f"software.{edge}": {"before": "installed", "after": None},
    }
    assert installed(site, pc) == {cam: ("2024", True)}

    fourth = push(site, {"hostname": pc, "software": [{"name": cam, "version": "2024"}]})
    assert fourth["action"] == "noop"
    listed = site.editor.get("/api/applications", query_string={"q": cam}).get_json()["data"]
    assert [row["name"] for row in listed] == [cam]  # never a second spelling
    detail = site.editor.get(f"/api/applications/{listed[0]['applicationid']}").get_json()
    assert [(row["hostname"], row["installdate"]) for row in detail["data"]["installations"]] == [
        (pc, "2024-05-02")  # a push without a date keeps the date known
    ]
    with site.app.app_context():
        users = set(
            get_session().scalars(
                select(AuditLog.username).where(AuditLog.entitytype == "installations")
            )
        )
    assert users == {"collector:computers"}


@pytest.mark.database
def test_a_push_without_software_leaves_installations_and_hand_typed_rows_stay(site):
    pc = unique("PC").lower()
    kept, typed = unique("Calypso"), unique("Portable")
    push(site, {"hostname": pc, "software": [{"name": kept, "version": "2021"}]})
    application = site.editor.post("/api/applications", json={"name": typed})
    assert application.status_code == 201
    response = site.editor.post("/api/installations", json={"application": typed, "computer": pc})
    assert response.status_code == 201, response.get_json()
    assert push(site, {"hostname": pc, "cpu": "Intel Core i5"})["action"] == "updated"
    assert installed(site, pc) == {kept: ("2021", True), typed: (None, False)}
    push(site, {"hostname": pc, "software": []})
    assert installed(site, pc) == {typed: (None, False)}
    # A push that lists the hand-typed one takes it over.
    taken = push(site, {"hostname": pc, "software": [{"name": typed, "version": "1.0"}]})
    assert taken["changes"] == {
        f"software.{typed}": {"before": "installed (typed by hand)", "after": "1.0"}
    }
    assert installed(site, pc) == {typed: ("1.0", True)}


@pytest.mark.database
def test_a_new_application_gets_the_vendor_the_publisher_names(site):
    vendor = site.editor.post("/api/vendors", json={"vendor": unique("Open Mind")})
    name = vendor.get_json()["data"]["vendor"]
    software = [
        {"name": unique("hyperMILL"), "vendor": name.upper()},
        {"name": unique("Tool"), "vendor": "Nobody Known GmbH"},
    ]
    push(site, {"hostname": unique("PC"), "software": software})
    found = {
        row["name"]: row["vendorid"]
        for item in software
        for row in site.editor.get(
            "/api/applications", query_string={"name": item["name"]}
        ).get_json()["data"]
    }
    assert found == {
        software[0]["name"]: vendor.get_json()["data"]["vendorid"],
        software[1]["name"]: None,
    }
    vendors = site.editor.get("/api/vendors", query_string={"vendor": "Nobody Known GmbH"})
    assert vendors.get_json()["data"] == []  # no vendor is made from a push


@pytest.mark.database
def test_the_site_filter_keeps_only_the_software_it_names(site):
    prefix = unique("Zeiss")
    with site.app.app_context():
        session = get_session()
        setting = session.scalar(
            select(Setting).where(Setting.setting == "plugin.applications.softwarefilter")
        )
        settingid = setting.settingid
    changed = site.admin.patch(f"/api/settings/{settingid}", json={"value": [f"{prefix.lower()}*"]})
    assert changed.status_code == 200, changed.get_json()
    try:
        pc = unique("PC").lower()
        software = [{"name": f"{prefix} Calypso", "version": "2023"}, {"name": unique("Game")}]
        push(site, {"hostname": pc, "software": software})
        assert installed(site, pc) == {f"{prefix} Calypso": ("2023", True)}
        listed = site.editor.get("/api/applications", query_string={"name": software[1]["name"]})
        assert listed.get_json()["data"] == []
    finally:
        site.admin.patch(f"/api/settings/{settingid}", json={"value": []})


@pytest.mark.database
def test_a_dry_run_reports_the_changes_and_writes_nothing(site):
    pc = unique("PC").lower()
    name = unique("Mastercam")
    push(site, {"hostname": pc, "software": [{"name": name, "version": "2023"}]})
    dry = push(
        site, {"hostname": pc, "software": [{"name": name, "version": "2024"}]}, "?dryrun=true"
    )
    assert dry["changes"] == {f"software.{name}": {"before": "2023", "after": "2024"}}
    assert installed(site, pc) == {name: ("2023", True)}


@pytest.mark.database
def test_a_repeated_name_counts_once_and_bad_items_are_named(site):
    pc = unique("PC").lower()
    name = unique("NX")
    software = [{"name": name, "version": "2312"}, {"name": name.lower(), "version": "2206"}]
    push(site, {"hostname": pc, "software": software})
    assert installed(site, pc) == {name: ("2312", True)}
    response = site.app.test_client().post(
        "/api/collector/computers",
        json={"hostname": pc, "software": [{"name": name, "installdate": "yesterday"}, {}]},
        headers={"X-API-Key": SHARED_KEY},
    )
    assert response.status_code == 400
    details = response.get_json()["data"]["error"]["details"]
    assert set(details) == {"software.0.installdate", "software.1.name"}


@pytest.mark.database
def test_the_openapi_record_of_the_computers_collector_shows_the_part(site):
    document = site.app.test_client().get("/api/openapi.json").get_json()
    record = document["components"]["schemas"]["ComputersCollectorRecord"]
    assert record["properties"]["software"]["type"] == "array"


@pytest.mark.database
def test_a_part_whose_name_the_collector_has_leaves_the_plugin_out(site):
    """Attaching the parts again meets `software` already there: the clash a
    second plugin taking the same name would meet (raised, in testing)."""
    runtime = current_runtime(site.app)
    assert runtime.strict
    with pytest.raises(PluginContractError, match="part 'software' clashes with the property"):
        attach_collector_parts(runtime)


def write(session, record, value):
    return {}


@pytest.mark.parametrize(
    ("part", "problem"),
    [
        (CollectorPart("network", "software", {}, write), "not one of the manifest's dependencies"),
        (CollectorPart("computers", "Soft_Ware", {}, write), "lowercase letters and digits"),
        (CollectorPart("computers", "software", {"type": 5}, write), "invalid JSON Schema"),
        (CollectorPart("computers", "software", {}, None), "no callable"),
    ],
)
def test_a_collector_part_is_checked_when_the_plugin_loads(part, problem):
    with pytest.raises(PluginContractError, match=problem):
        _collector_parts("applications", ("computers",), [part])
