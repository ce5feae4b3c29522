"""The kiosk page, /notifications/kiosk: server-rendered, no script at all,
everything escaped, Markdown only as render_markdown leaves it, cycling by a
meta refresh to the next index, and readable without signing in exactly when
the site allows anonymous reading."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape

from tests.bundled.notifications.conftest import ACTIVE, KIOSK, URL, Site, iso, now

pytestmark = pytest.mark.database

REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+);url=([^"]+)">')


def page(site: Site, caller=None, **query) -> tuple[int, str, dict]:
    response = (caller or site.admin).get(KIOSK, query_string=query)
    return response.status_code, response.get_data(as_text=True), response.headers


def test_kiosk_escapes_titles_and_sanitises_markdown(site: Site):
    room = site.locations["Test Building 2"]
    row = site.create(
        title="<script>alert('title')</script> Spindle down",
        ismarkdown=True,
        message=(
            "**Hall closed** <script>alert('message')</script>\n\n"
            '<img src=x onerror="alert(1)">\n\n[click](javascript:alert(1))\n\n'
            "[manual](https://example.com/manual)"
        ),
        severity="outage",
        starttime=iso(now() - timedelta(days=400)),  # first at this location by start
        locations=[{"locationid": room}],
    )
    status, html, headers = page(site, locationid=room, index=0)
    assert status == 200
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Spindle down" in html
    assert "<script" not in html  # no script tag at all: nothing of ours, nothing injected
    assert "<strong>Hall closed</strong>" in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert 'href="https://example.com/manual"' in html
    assert "severity-outage" in html and "OUTAGE" in html
    assert "Test Building 2" in html
    csp = headers["Content-Security-Policy"]
    scripts = next((part for part in csp.split(";") if "script-src" in part), "")
    assert "unsafe-inline" not in scripts
    assert "default-src 'self'" in csp
    site.editor.delete(f"{URL}/{row['notificationid']}")


def test_plain_text_is_escaped_with_its_line_breaks(site: Site):
    room = site.locations["Test Building 2"]
    row = site.create(
        title="Plain",
        message="Use <b>bay</b> 3 & 4\nnot 5",
        starttime=iso(now() - timedelta(days=500)),
        severity="outage",
        locations=[{"locationid": room}],
    )
    _status, html, _headers = page(site, locationid=room, index=0)
    assert "Use &lt;b&gt;bay&lt;/b&gt; 3 &amp; 4<br>\nnot 5" in html
    site.editor.delete(f"{URL}/{row['notificationid']}")


def test_kiosk_cycles_through_the_active_ones(site: Site):
    bay = site.locations["Test Bay 1A"]
    shown = [
        item["title"]
        for item in site.admin.get(ACTIVE, query_string={"locationid": bay}).get_json()["data"]
    ]
    if len(shown) < 2:
        site.create(locations=[{"locationid": bay}])
        site.create(locations=[{"locationid": bay}])
        shown = [
            item["title"]
            for item in site.admin.get(ACTIVE, query_string={"locationid": bay}).get_json()["data"]
        ]
    seen = []
    query = {"locationid": bay, "seconds": 7}
    for _ in range(len(shown) + 1):
        status, html, _headers = page(site, **query)
        assert status == 200
        seen.append(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))
        seconds, url = REFRESH.search(html).groups()
        assert seconds == "7"
        assert f"locationid={bay}" in url and "seconds=7" in url
        query = dict(part.split("=") for part in url.split("?", 1)[1].split("&amp;"))
    assert seen[: len(shown)] == [str(escape(title)) for title in shown]
    assert seen[-1] == seen[0]  # round again
    # An index past the end wraps round.
    _status, html, _headers = page(site, locationid=bay, index=len(shown) * 10)
    assert re.search(r"<h1>(.*?)</h1>", html, re.S).group(1) == seen[0]


def test_kiosk_without_announcements_and_with_mistakes(site: Site):
    types = {
        row["locationtype"]: row["locationtypeid"]
        for row in site.admin.get("/api/locationtypes").get_json()["data"]
    }
    quiet = site.admin.post(
        "/api/locations", json={"name": "Quiet Island", "locationtypeid": types["site"]}
    ).get_json()["data"]["locationid"]
    active = site.admin.get(ACTIVE, query_string={"locationid": quiet}).get_json()["data"]
    for item in active:  # untargeted ones show everywhere: remove them for this test
        assert site.editor.delete(f"{URL}/{item['notificationid']}").status_code == 204
    status, html, _headers = page(site, locationid=quiet)
    assert status == 200
    assert "No announcements right now." in html
    assert REFRESH.search(html).group(1) == "60"
    assert page(site, locationid=2147483000)[0] == 404
    status, html, _headers = page(site, locationid="<b>x</b>", seconds=1)
    assert status == 400
    assert "&lt;b&gt;" in html and "<b>x" not in html
    assert "seconds" in html


def test_anonymous_kiosk_follows_the_site_setting(site: Site):
    anonymous = site.callers[None]
    status, html, _headers = page(site, anonymous)
    assert status == 401
    assert "Sign in" in html
    assert REFRESH.search(html)  # a kiosk retries by itself
    assert anonymous.get(ACTIVE).status_code == 401
    with site.anonymous_reading(True):
        status, html, _headers = page(site, anonymous)
        assert status == 200
        assert anonymous.get(ACTIVE).status_code == 200
        assert anonymous.post(f"{URL}/1/dismiss").status_code == 401
        assert anonymous.post(URL, json=site.body()).status_code == 401
    assert page(site, anonymous)[0] == 401


def test_the_stylesheet_is_served_locally(site: Site):
    _status, html, _headers = page(site)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)">', html).group(1)
    assert href.startswith("/notifications/static/")
    response = site.admin.get(href)
    assert response.status_code == 200
    assert "severity-outage" in response.get_data(as_text=True)
    assert "http" not in re.sub(r"/\*.*?\*/", "", response.get_data(as_text=True), flags=re.S)
