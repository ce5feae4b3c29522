"""What is showing: `GET /api/notifications/active` and the query behind it
(window edges, targeting through the location tree, order, dismissals, a
fixed number of statements), and the banners the web UI will show."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shopdb.database import get_database, get_session
from shopdb.plugins.runtime import current_runtime
from shopdb.testing.databases import count_queries
from tests.bundled.notifications.conftest import ACTIVE, URL, Site, iso, now

pytestmark = pytest.mark.database


def active_at(site: Site, at: datetime, **options) -> list[int]:
    """The plugin's own query, asked about another time than now."""
    plugin = current_runtime(site.app).get("notifications").plugin
    module = __import__(type(plugin).__module__ + ".active", fromlist=["active_notifications"])
    with site.app.app_context():
        rows = module.active_notifications(get_session(), at=at.replace(tzinfo=None), **options)
        return [row.notificationid for row in rows]


def test_the_window_includes_its_start_and_excludes_its_end(site: Site):
    start = now() + timedelta(days=30)
    end = start + timedelta(hours=8)
    row = site.create(starttime=iso(start), endtime=iso(end))
    itemid = row["notificationid"]
    assert itemid not in active_at(site, start - timedelta(microseconds=1))
    assert itemid in active_at(site, start)  # start == now: showing
    assert itemid in active_at(site, end - timedelta(microseconds=1))
    assert itemid not in active_at(site, end)  # end == now: ended, archived
    unended = site.create(starttime=iso(start))["notificationid"]
    assert unended in active_at(site, start + timedelta(days=3650))


def test_active_now_over_http(site: Site):
    current = site.create(message="now")["notificationid"]
    upcoming = site.create(starttime=iso(now() + timedelta(hours=1)))["notificationid"]
    ended = site.create(
        starttime=iso(now() - timedelta(hours=2)), endtime=iso(now() - timedelta(hours=1))
    )["notificationid"]
    shown = site.active_ids()
    assert current in shown
    assert upcoming not in shown
    assert ended not in shown


def test_targeting_reaches_down_the_tree_never_up(site: Site):
    plant = site.locations["Test Plant"]
    building = site.locations["Test Building 1"]
    bay = site.locations["Test Bay 1A"]
    other = site.locations["Test Building 2"]
    everywhere = site.create()["notificationid"]
    for_building = site.create(locations=[{"locationid": building}])["notificationid"]
    for_bay = site.create(locations=[{"locationid": bay}])["notificationid"]
    for_other = site.create(locations=[{"locationid": other}])["notificationid"]
    mine = {everywhere, for_building, for_bay, for_other}

    def shown(**query) -> set[int]:
        return set(site.active_ids(**query)) & mine

    assert shown() == mine  # no location: everything active
    assert shown(locationid=bay) == {everywhere, for_building, for_bay}
    assert shown(locationid=building) == {everywhere, for_building}
    assert shown(locationid=other) == {everywhere, for_other}
    assert shown(locationid=plant) == {everywhere}

    missing = site.admin.get(ACTIVE, query_string={"locationid": 2147483000})
    assert missing.status_code == 400
    assert "locationid" in missing.get_json()["data"]["error"]["details"]
    wrong = site.admin.get(ACTIVE, query_string={"locationid": "bay"})
    assert wrong.status_code == 400
    unknown = site.admin.get(ACTIVE, query_string={"location": 1})
    assert unknown.status_code == 400


def test_heaviest_severity_first_then_by_start(site: Site):
    room = site.locations["Test Building 2"]
    target = [{"locationid": room}]
    base = now() - timedelta(hours=5)
    info = site.create(severity="info", starttime=iso(base), locations=target)
    outage_late = site.create(
        severity="outage", starttime=iso(base + timedelta(hours=2)), locations=target
    )
    outage_early = site.create(
        severity="outage", starttime=iso(base + timedelta(hours=1)), locations=target
    )
    warning = site.create(severity="warning", starttime=iso(base), locations=target)
    wanted = [
        outage_early["notificationid"],
        outage_late["notificationid"],
        warning["notificationid"],
        info["notificationid"],
    ]
    order = [itemid for itemid in site.active_ids(locationid=room) if itemid in wanted]
    assert order == wanted


def test_the_reply_carries_safe_html_and_the_asset(site: Site):
    row = site.create(
        title="Markdown reply",
        ismarkdown=True,
        message="**Bold** <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> [ok](https://example.com/a)',
    )
    plain = site.create(title="Plain reply", message="a < b\nline two")
    reply = {item["notificationid"]: item for item in site.admin.get(ACTIVE).get_json()["data"]}
    html = reply[row["notificationid"]]["messagehtml"]
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert "<img" not in html  # raw HTML stays text
    assert 'href="https://example.com/a"' in html
    assert reply[plain["notificationid"]]["messagehtml"] == "a &lt; b<br>\nline two"
    assert reply[plain["notificationid"]]["asset"] is None
    assert reply[row["notificationid"]]["locations"] == []


def test_statements_do_not_grow_with_the_number_of_notifications(site: Site):
    engine = get_database(site.app).engine
    bay = site.locations["Test Bay 1A"]

    def statements() -> int:
        with count_queries(engine) as counter:
            response = site.viewer_get(ACTIVE, {"locationid": bay, "excludedismissed": "true"})
            assert response.status_code == 200
        return counter.count

    site.create(locations=[{"locationid": bay}])
    few = statements()
    for _ in range(12):
        site.create(locations=[{"locationid": bay}], severity="warning")
    assert statements() == few, few
    assert few <= 6, few  # who calls, the location check, the rows, their targets


def test_dismissed_until_changed(site: Site):
    viewer = site.callers["viewer"]
    row = site.create(title="Dismiss me")
    itemid = row["notificationid"]

    def shown_to_viewer() -> bool:
        return itemid in site.active_ids(viewer, excludedismissed="true")

    assert shown_to_viewer()
    response = viewer.post(f"{URL}/{itemid}/dismiss")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["notificationid"] == itemid
    assert data["notificationmodifiedat"] == row["modifiedat"]
    assert not shown_to_viewer()
    assert itemid in site.active_ids(viewer)  # without the flag: everything
    assert itemid in site.active_ids(site.callers["editor"], excludedismissed="true")

    audit = site.admin.get(
        "/api/auditlogs", query_string={"entitytype": "notificationdismissals"}
    ).get_json()["data"]
    before = len(audit)
    assert viewer.post(f"{URL}/{itemid}/dismiss").status_code == 200  # again: nothing new
    audit = site.admin.get(
        "/api/auditlogs", query_string={"entitytype": "notificationdismissals"}
    ).get_json()["data"]
    assert len(audit) == before

    # An edit brings it back; so does a change of its target locations only.
    site.editor.patch(f"{URL}/{itemid}", json={"message": "Changed"})
    assert shown_to_viewer()
    viewer.post(f"{URL}/{itemid}/dismiss")
    assert not shown_to_viewer()
    plant = site.locations["Test Plant"]
    site.editor.patch(f"{URL}/{itemid}", json={"locations": [{"locationid": plant}]})
    assert shown_to_viewer()

    # Undo, and the rules on who and what.
    viewer.post(f"{URL}/{itemid}/dismiss")
    assert viewer.delete(f"{URL}/{itemid}/dismiss").status_code == 204
    assert shown_to_viewer()
    assert site.callers[None].post(f"{URL}/{itemid}/dismiss").status_code == 401
    assert viewer.post(f"{URL}/2147483000/dismiss").status_code == 404

    # Deleting a dismissed announcement takes the dismissals with it.
    viewer.post(f"{URL}/{itemid}/dismiss")
    assert site.editor.delete(f"{URL}/{itemid}").status_code == 204


def test_banners_for_the_web_ui(site: Site):
    viewer = site.callers["viewer"]
    bay = site.locations["Test Bay 1A"]
    outage = site.create(
        severity="outage",
        title="Banner <b>outage</b>",
        locations=[{"locationid": site.locations["Test Building 1"]}],
    )
    other = site.create(locations=[{"locationid": site.locations["Test Building 2"]}])
    everywhere = site.create()
    viewer.post(f"{URL}/{other['notificationid']}/dismiss")
    plugin = current_runtime(site.app).get("notifications").plugin
    with site.app.app_context():
        session = get_session()
        userid = session.execute(
            __import__("sqlalchemy").text("SELECT userid FROM users WHERE username = 'testviewer'")
        ).scalar_one()
        banners = {banner.key: banner for banner in plugin.page_banners(session, userid, bay)}
        anonymous = {banner.key for banner in plugin.page_banners(session, None, None)}
        nowhere = {banner.key for banner in plugin.page_banners(session, None, 2147483000)}
    key = f"notification-{outage['notificationid']}"
    assert banners[key].level == "critical"
    assert banners[key].title == "Banner <b>outage</b>"  # plain text: the UI escapes it
    assert banners[key].dismissurl == f"{URL}/{outage['notificationid']}/dismiss"
    assert f"notification-{other['notificationid']}" not in banners  # not at this bay
    assert {key, f"notification-{other['notificationid']}"} <= anonymous
    # A location that is gone: what targets nothing, no error.
    assert f"notification-{everywhere['notificationid']}" in nowhere
    assert key not in nowhere
