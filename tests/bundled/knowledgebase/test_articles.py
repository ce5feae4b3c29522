"""The knowledgebase plugin through its API: articles with tags and links,
listed per linked asset, asset type and application, found by `q`; every
saved change kept as a revision with its author, two revisions compared;
Markdown rendered without any of the usual XSS payloads reaching the HTML."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import text

from shopdb.database import get_session
from tests import factories
from tests.collectors.conftest import run

pytestmark = pytest.mark.database
URL = "/api/articles"


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def created(site, caller=None, **body: Any) -> dict[str, Any]:
    response = (caller or site.editor).post(URL, json={"body": "Text.", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def ids(reply) -> list[int]:
    return [row["articleid"] for row in reply.get_json()["data"]]


# Rendering -------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">raw link</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![image](javascript:alert(1))",
    '![x](https://example.com/a.png "title" onerror="alert(1)")',
    "<details open ontoggle=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '[x](https://example.com/" onmouseover="alert(1))',
    "<object data=javascript:alert(1)></object><embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
]
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
BAD_TAGS = {"script", "iframe", "svg", "math", "object", "embed", "form", "style", "details"}


class Elements(HTMLParser):
    """Every start tag and its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def dangers(html: str) -> list[str]:
    parser = Elements()
    parser.feed(html)
    found = []
    for tag, attributes in parser.found:
        if tag in BAD_TAGS:
            found.append(f"<{tag}>")
        for name, value in attributes:
            if name.startswith("on") or (name == "style" and "url" in (value or "")):
                found.append(f"{tag} {name}")
            text = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "data"} and text.startswith(BAD_SCHEMES):
                found.append(f"{tag} {name}={value}")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_xss_payload_reaches_the_rendered_body(site, payload):
    body = f"# Setup\n\nBefore {payload} after.\n\n- item {payload}\n\n> {payload}\n"
    record = created(site, title=unique("XSS"), body=body)
    html = record["bodyhtml"]
    assert "<h1>Setup</h1>" in html
    assert dangers(html) == [], html
    fetched = site.editor.get(f"{URL}/{record['articleid']}").get_json()["data"]
    assert fetched["bodyhtml"] == html
    assert fetched["body"] == body.strip()  # the source is kept as written (trimmed)
    revision = site.editor.get(f"{URL}/{record['articleid']}/revisions/1").get_json()["data"]
    assert dangers(revision["bodyhtml"]) == []


def test_markdown_renders_tables_links_and_code(site):
    body = "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n[docs](https://docs.example/) `G54`\n"
    html = created(site, title=unique("Table"), body=body)["bodyhtml"]
    assert "<table>" in html
    assert '<a href="https://docs.example/" rel="noopener noreferrer nofollow">docs</a>' in html
    assert "<code>G54</code>" in html


# Revisions -------------------------------------------------------------------------


def test_every_saved_change_is_a_revision_with_its_author(site):
    record = created(site, title=unique("Warm-up"), body="Warm up for 10 minutes.")
    url = f"{URL}/{record['articleid']}"
    assert record["revision"] == 1
    changed = site.admin.patch(url, json={"body": "Warm up for 15 minutes.\nThen probe."})
    assert changed.get_json()["data"]["revision"] == 2
    tagged = site.editor.patch(url, json={"tags": [{"tag": "Spindle"}]})
    assert tagged.get_json()["data"]["revision"] == 2  # no new title or body: no revision
    retitled = site.editor.patch(url, json={"title": "Spindle warm-up"})
    assert retitled.get_json()["data"]["revision"] == 3
    unchanged = site.editor.patch(url, json={"title": "Spindle warm-up"})
    assert unchanged.get_json()["data"]["revision"] == 3

    listed = site.editor.get(f"{URL}/{record['articleid']}/revisions").get_json()["data"]
    assert [(row["revision"], row["author"]) for row in listed] == [
        (3, "testeditor"),
        (2, "testadmin"),
        (1, "testeditor"),
    ]
    assert listed[0]["createdat"].endswith("+00:00")
    second = site.editor.get(f"{url}/revisions/2").get_json()["data"]
    assert (second["title"], second["body"]) == (
        record["title"],
        "Warm up for 15 minutes.\nThen probe.",
    )

    diff = site.editor.get(f"{url}/revisions/1/diff/3").get_json()["data"]
    assert (diff["fromrevision"], diff["torevision"], diff["titlechanged"]) == (1, 3, True)
    assert diff["diff"].splitlines() == [
        "--- revision 1",
        "+++ revision 3",
        "@@ -1,3 +1,4 @@",
        f"-# {record['title']}",
        "+# Spindle warm-up",
        " ",
        "-Warm up for 10 minutes.",
        "+Warm up for 15 minutes.",
        "+Then probe.",
    ]
    same = site.editor.get(f"{url}/revisions/2/diff/2").get_json()["data"]
    assert same["diff"] == ""
    for path in ("revisions/4", "revisions/1/diff/9", "revisions/0"):
        missing = site.editor.get(f"{url}/{path}")
        assert missing.status_code == 404, path
        assert "/revisions lists them" in missing.get_json()["data"]["error"]["message"]
    other = created(site, title=unique("Other"))
    assert site.editor.get(f"{URL}/{other['articleid']}/revisions/2").status_code == 404
    assert site.editor.get(f"{URL}/999999/revisions").status_code == 404
    assert site.app.test_client().get(f"{url}/revisions").status_code == 401


def test_deleting_an_article_takes_its_revisions(site):
    record = created(site, title=unique("Gone"))
    site.editor.patch(f"{URL}/{record['articleid']}", json={"body": "Changed."})
    assert site.editor.delete(f"{URL}/{record['articleid']}").status_code == 204
    with site.app.app_context():
        left = get_session().scalar(
            text("SELECT COUNT(*) FROM articlerevisions WHERE articleid = :articleid"),
            {"articleid": record["articleid"]},
        )
    assert left == 0


# Links, filters and search ----------------------------------------------------------


def test_articles_are_listed_per_linked_asset_type_application_and_tag(site):
    with site.app.app_context():
        session = get_session()
        machine = factories.asset(session, assetnumber=unique("M").replace(" ", "-"))
        session.commit()
        machineid, typeid = machine.assetid, machine.assettypeid
    application = site.editor.post("/api/applications", json={"name": unique("Calypso")})
    applicationid = application.get_json()["data"]["applicationid"]
    linked = created(
        site,
        title=unique("Probe calibration"),
        body="Calibrate the **probe** before the first part.",
        tags=[{"tag": "Metrology "}],
        assets=[{"assetid": machineid}],
        assettypes=[{"assettypeid": typeid}],
        applications=[{"applicationid": applicationid}],
    )
    created(site, title=unique("Unrelated"))
    articleid = linked["articleid"]
    assert linked["tags"][0]["tag"] == "metrology"
    names = linked["linked"]
    assert [row["assetid"] for row in names["assets"]] == [machineid]
    assert [row["assettypeid"] for row in names["assettypes"]] == [typeid]
    assert [row["name"] for row in names["applications"]] == [
        application.get_json()["data"]["name"]
    ]
    for query in (
        {"assetid": machineid},
        {"assettypeid": typeid},
        {"applicationid": applicationid},
        {"tag": "METROLOGY", "assetid": machineid},
    ):
        assert ids(site.editor.get(URL, query_string=query)) == [articleid], query
    found = site.editor.get(URL, query_string={"q": "before the first part"})
    assert articleid in ids(found)
    by_title = site.editor.get(URL, query_string={"q": linked["title"]})
    assert ids(by_title)[0] == articleid
    missing = site.editor.post(
        URL, json={"title": unique("Bad"), "body": "x", "assets": [{"assetid": 99999999}]}
    )
    assert missing.status_code == 400
    assert "assets.0.assetid" in missing.get_json()["data"]["error"]["details"]


def test_seed_demo_adds_articles_with_two_revisions_once(site):
    first = run(site.app, "seed", "--demo").output
    assert "knowledgebase: Added 4 articles, each with 2 revisions." in first
    again = run(site.app, "seed", "--demo").output
    assert "knowledgebase: nothing to add." in again
    reply = site.editor.get(URL, query_string={"q": "DNC transfer"}).get_json()["data"]
    (article,) = [row for row in reply if row["title"] == "DNC transfer stops at 4 KB"]
    assert len(article["assets"]) == 2
    assert len(article["applications"]) == 1
    diff = site.editor.get(f"{URL}/{article['articleid']}/revisions/1/diff/2").get_json()
    assert "+3. If the transfer stops at 4 KB" in diff["data"]["diff"]
