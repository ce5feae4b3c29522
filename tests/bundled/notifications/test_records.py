"""Announcements through the generic resource: create, read, change, delete,
validation that names the field, the list's filters (severity, state,
location and withinlocationid, q) and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bundled.notifications.conftest import URL, Site, iso, now

pytestmark = pytest.mark.database


def ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {row["notificationid"] for row in response.get_json()["data"]}


def error_details(response, status: int = 400) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["data"]["error"]["details"]


def test_create_with_defaults_read_change_delete(site: Site):
    response = site.editor.post(URL, json={"title": "Minimal"})
    assert response.status_code == 201, response.get_json()
    row = response.get_json()["data"]
    assert row["severity"] == "info"
    assert row["ismarkdown"] is False
    assert row["message"] is None
    assert row["endtime"] is None
    assert row["locations"] == []
    assert row["starttime"] <= iso(now())  # starts now
    itemid = row["notificationid"]

    bay = site.locations["Test Bay 1A"]
    change = {
        "severity": "outage",
        "message": "**Down**",
        "ismarkdown": True,
        "endtime": iso(now() + timedelta(hours=2)),
        "locations": [{"locationid": bay}],
    }
    changed = site.editor.patch(f"{URL}/{itemid}", json=change)
    assert changed.status_code == 200, changed.get_json()
    data = changed.get_json()["data"]
    assert data["severity"] == "outage"
    assert [target["locationid"] for target in data["locations"]] == [bay]
    assert site.admin.get(f"{URL}/{itemid}").get_json()["data"] == data

    audit = site.admin.get(
        "/api/auditlogs", query_string={"entitytype": "notifications", "entityid": str(itemid)}
    ).get_json()["data"]
    assert {entry["action"] for entry in audit} >= {"create", "update"}

    assert site.editor.delete(f"{URL}/{itemid}").status_code == 204
    assert site.admin.get(f"{URL}/{itemid}").status_code == 404


def test_the_end_must_come_after_the_start(site: Site):
    start = now()
    for end in (start, start - timedelta(minutes=1)):
        details = error_details(
            site.editor.post(URL, json=site.body(starttime=iso(start), endtime=iso(end)))
        )
        assert list(details) == ["endtime"]
        assert "must come after the start" in details["endtime"][0]
    row = site.create(starttime=iso(start), endtime=iso(start + timedelta(hours=1)))
    # Moving the start past the stored end names the start.
    details = error_details(
        site.editor.patch(
            f"{URL}/{row['notificationid']}",
            json={"starttime": iso(start + timedelta(hours=2))},
        )
    )
    assert list(details) == ["starttime"]
    # Moving the end before the stored start names the end.
    details = error_details(
        site.editor.patch(
            f"{URL}/{row['notificationid']}",
            json={"endtime": iso(start - timedelta(hours=2))},
        )
    )
    assert list(details) == ["endtime"]
    # Both at once, consistently: fine; and no end at all.
    moved = {
        "starttime": iso(start + timedelta(hours=2)),
        "endtime": iso(start + timedelta(hours=3)),
    }
    assert site.editor.patch(f"{URL}/{row['notificationid']}", json=moved).status_code == 200
    unended = site.editor.patch(f"{URL}/{row['notificationid']}", json={"endtime": None})
    assert unended.status_code == 200
    assert unended.get_json()["data"]["endtime"] is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"severity": "critical"}, "severity"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"starttime": "yesterday"}, "starttime"),
        ({"ismarkdown": "maybe"}, "ismarkdown"),
        ({"assetid": 2147483000}, "assetid"),
        ({"locations": [{"locationid": 2147483000}]}, "locations.0.locationid"),
        ({"locations": [{}]}, "locations.0.locationid"),
    ],
)
def test_invalid_fields_are_named(site: Site, values, field):
    details = error_details(site.editor.post(URL, json=site.body(**values)))
    assert field in details, details


def test_a_location_targeted_twice_is_refused(site: Site):
    bay = site.locations["Test Bay 1A"]
    body = site.body(locations=[{"locationid": bay}, {"locationid": bay}])
    details = error_details(site.editor.post(URL, json=body))
    assert "locations.1.locationid" in details


def test_filters_by_severity_state_location_and_text(site: Site):
    marker = f"filtermarker{site.create()['notificationid']}"
    building = site.locations["Test Building 1"]
    bay = site.locations["Test Bay 1A"]
    current = site.create(title=f"Current {marker}", severity="warning")
    upcoming = site.create(
        title=f"Upcoming {marker}",
        starttime=iso(now() + timedelta(days=1)),
        locations=[{"locationid": bay}],
    )
    archived = site.create(
        title=f"Archived {marker}",
        message=f"Ended long ago {marker}",
        starttime=iso(now() - timedelta(days=3)),
        endtime=iso(now() - timedelta(days=2)),
        locations=[{"locationid": building}],
    )
    mine = {current["notificationid"], upcoming["notificationid"], archived["notificationid"]}

    def found(**query) -> set[int]:
        return ids(site.admin.get(URL, query_string={"perpage": 500, **query})) & mine

    assert found(q=marker) == mine
    assert found(state="active") == {current["notificationid"]}
    assert found(state="upcoming") == {upcoming["notificationid"]}
    assert found(state="archived") == {archived["notificationid"]}
    assert found(state=["active", "upcoming"]) == mine - {archived["notificationid"]}
    # The archive is searchable: q matches the message too.
    assert found(state="archived", q=f"long ago {marker}") == {archived["notificationid"]}
    assert found(severity="warning") == {current["notificationid"]}
    assert found(locationid=bay) == {upcoming["notificationid"]}
    assert found(locationid=building) == {archived["notificationid"]}
    assert found(withinlocationid=building) == mine - {current["notificationid"]}
    assert found(withinlocationid=site.locations["Test Building 2"]) == set()

    details = error_details(site.admin.get(URL, query_string={"state": "finished"}))
    assert "state" in details


def test_deleting_a_targeted_location_is_refused_while_targeted(site: Site):
    types = {
        row["locationtype"]: row["locationtypeid"]
        for row in site.admin.get("/api/locationtypes").get_json()["data"]
    }
    room = site.admin.post(
        "/api/locations",
        json={
            "name": f"Test Room {site.create()['notificationid']}",
            "locationtypeid": types["room"],
        },
    ).get_json()["data"]["locationid"]
    row = site.create(locations=[{"locationid": room}])
    refused = site.admin.delete(f"/api/locations/{room}")
    assert refused.status_code == 409
    assert "notificationlocations" in refused.get_json()["data"]["error"]["message"]
    assert site.editor.delete(f"{URL}/{row['notificationid']}").status_code == 204
    assert site.admin.delete(f"/api/locations/{room}").status_code == 204
