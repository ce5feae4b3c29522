"""The web UI's global search, export links and import pages, through the
Flask test client on the demo site (and, marked `database`, on each
database server): what the pages show, who may use them, what an import
writes and what it refuses."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shopdb.database import get_database, get_session
from shopdb.models import Vendor
from shopdb.services.access import ANONYMOUS_READ_SETTING
from shopdb.services.settings import set_setting
from shopdb.testing.databases import count_queries
from shopdb.web.transfer import PENDING_FOLDER, PENDING_PER_USER
from tests.web.conftest import PASSWORD, csrf, run, sign_in

SUGGEST = {"HX-Request": "true", "HX-Target": "searchsuggestions"}


def a_computer(client: FlaskClient) -> dict:
    reply = client.get("/api/computers?perpage=1&sort=hostname")
    assert reply.status_code == 200, reply.data[:300]
    return reply.json["data"][0]


def vendor_count(app: Flask, *names: str) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Vendor).where(Vendor.vendor.in_(names))
        return int(get_session().scalar(query) or 0)


def upload(client: FlaskClient, name: str, body: bytes | str, filename: str, **options: str):
    """Post a file to the import page's first step, as its form does."""
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        f"/{name}/import",
        data={
            "csrf_token": csrf(client),
            "step": "check",
            "file": (io.BytesIO(data), filename),
            **options,
        },
        content_type="multipart/form-data",
    )


def token_of(page: bytes) -> str:
    found = re.search(rb'name="token" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1).decode()


def step(client: FlaskClient, name: str, token: str, which: str, **options: str):
    return client.post(
        f"/{name}/import",
        data={"csrf_token": csrf(client), "token": token, "step": which, **options},
    )


def pending_files(app: Flask) -> list[Path]:
    folder = Path(app.config["SHOPDB_INSTANCE_PATH"]) / PENDING_FOLDER
    return sorted(folder.iterdir()) if folder.is_dir() else []


# Search ----------------------------------------------------------------------------


def test_the_search_page_groups_what_the_api_finds(browser_of):
    client = browser_of("viewer")
    computer = a_computer(client)
    hostname = computer["hostname"]
    page = client.get(f"/search?q={hostname.upper()}")
    assert page.status_code == 200
    html = page.data.decode()
    api = client.get(f"/api/search?q={hostname.upper()}&limit=50").json["data"]
    assert api, "the API finds the computer"
    for group in api:
        assert f'data-resource="{group["resource"]}"' in html
        for result in group["results"]:
            assert f'href="{result["uiurl"]}"' in html
    # The exact identity match comes first, marked as such.
    first = re.search(r'data-resource="computers".*?<a href="([^"]+)"', html, re.S)
    assert first and first.group(1) == f"/computers/{computer['assetid']}"
    assert "exact" in html
    assert 'href="/computers?q=' in html  # the list of the class, filtered alike
    assert "data-search-box" in html  # and the box in the navigation bar


def test_the_box_lists_matches_as_a_keyboard_listbox(browser_of):
    client = browser_of("viewer")
    hostname = a_computer(client)["hostname"]
    fragment = client.get(f"/search?q={hostname[:4]}", headers=SUGGEST)
    assert fragment.status_code == 200
    html = fragment.data.decode()
    assert "<html" not in html  # only the list, not a page
    assert 'role="group"' in html and 'role="option"' in html
    options = re.findall(r'role="option"[^>]*id="([^"]+)"', html)
    assert len(options) == len(set(options))  # aria-activedescendant needs unique ids
    assert f'href="/search?q={hostname[:4]}"' in html  # "all results" comes last
    assert len(re.findall(r'href="/computers/\d+"', html)) <= 5
    assert client.get("/search?q=", headers=SUGGEST).data.strip() == b""


def test_the_box_says_when_nothing_or_nonsense_is_searched(browser_of):
    client = browser_of("viewer")
    nothing = client.get("/search?q=no-such-thing-zz9", headers=SUGGEST).data.decode()
    assert "Nothing found" in nothing
    page = client.get("/search?q=" + "x" * 5000)
    assert page.status_code == 200
    assert 'class="alert alert-warning"' in page.data.decode()


def test_search_needs_a_sign_in_unless_the_site_reads_anonymously(demo_app):
    client = demo_app.test_client()
    response = client.get("/search?q=pc")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/signin?next=/search")
    assert client.get("/search?q=pc", headers=SUGGEST).status_code == 401
    assert b"data-search-box" not in client.get("/signin").data
    with demo_app.app_context():
        session = get_session()
        set_setting(session, ANONYMOUS_READ_SETTING, True)
        session.commit()
    try:
        page = client.get("/search?q=pc")
        assert page.status_code == 200
        assert b"data-search-box" in page.data
        assert b'href="/computers/' in page.data
    finally:
        with demo_app.app_context():
            session = get_session()
            set_setting(session, ANONYMOUS_READ_SETTING, False)
            session.commit()


# Export --------------------------------------------------------------------------------


def test_list_pages_export_what_they_show(browser_of):
    client = browser_of("viewer")
    page = client.get("/computers?q=pc-2&sort=-hostname&page=2&perpage=10")
    html = page.data.decode().replace("&amp;", "&")
    csv_link = re.search(r'href="([^"]+)"[^>]*data-testid="exportcsv"', html).group(1)
    xlsx_link = re.search(r'href="([^"]+)"[^>]*data-testid="exportxlsx"', html).group(1)
    assert csv_link == "/api/computers/export?sort=-hostname&q=pc-2&format=csv"
    assert xlsx_link == "/api/computers/export?sort=-hostname&q=pc-2&format=xlsx"
    assert "/api/computers/export/template?format=csv" in html
    exported = client.get(csv_link)
    assert exported.status_code == 200
    header, *rows = csv.reader(io.StringIO(exported.data.decode("utf-8-sig")))
    listed = client.get("/api/computers?q=pc-2&sort=-hostname&perpage=250").json
    assert len(rows) == listed["meta"]["pagination"]["total"]
    hostnames = [row[header.index("hostname")] for row in rows]
    assert hostnames == [each["hostname"] for each in listed["data"]]
    assert client.get(xlsx_link).data[:2] == b"PK"
    # A viewer exports but does not import.
    assert 'data-testid="import"' not in html
    assert client.get("/computers/import").status_code == 403


# Import ----------------------------------------------------------------------------------


def test_import_checks_first_then_writes_the_good_rows_when_told(browser_of, demo_app):
    client = browser_of("editor")
    assert b'data-testid="import"' in client.get("/vendors").data
    form = client.get("/vendors/import")
    assert form.status_code == 200
    assert b'enctype="multipart/form-data"' in form.data
    names = ("Webfind Import One", "Webfind Import Two")
    body = f"vendor,website,isactive\n{names[0]},,yes\n{names[1]},,true\n,,maybe\n"
    checked = upload(client, "vendors", body, "vendors.csv")
    assert checked.status_code == 200, checked.data[:2000]
    html = checked.data.decode()
    assert "Nothing has been written yet" in html
    assert html.count('data-action="created"') == 2
    assert html.count('data-action="error"') == 1
    assert "<td>4</td>" in html  # the bad row by its line in the file
    assert vendor_count(demo_app, *names) == 0
    token = token_of(checked.data)
    assert len([path for path in pending_files(demo_app) if path.name.startswith(token)]) == 2

    # All or nothing: with an error and no "skip errors", nothing is written
    # and the file keeps waiting.
    refused = step(client, "vendors", token, "confirm")
    assert refused.status_code == 400
    assert b"nothing was written" in refused.data
    assert vendor_count(demo_app, *names) == 0

    # Another user cannot use the token.
    admin = demo_app.test_client()
    assert sign_in(admin, "admin").status_code == 303
    stolen = step(admin, "vendors", token, "confirm", skiperrors="on")
    assert stolen.status_code == 400
    assert b"no longer waiting" in stolen.data

    done = step(client, "vendors", token, "confirm", skiperrors="on")
    assert done.status_code == 200, done.data[:2000]
    assert b"Written: 2 created" in done.data
    assert vendor_count(demo_app, *names) == 2
    assert not [path for path in pending_files(demo_app) if path.name.startswith(token)]
    again = step(client, "vendors", token, "confirm", skiperrors="on")
    assert again.status_code == 400
    assert b"no longer waiting" in again.data
    listed = client.get("/vendors?q=Webfind+Import").data.decode()
    assert names[0] in listed and names[1] in listed

    # The same file again: every good row unchanged.
    rechecked = upload(client, "vendors", body, "vendors.csv", skiperrors="on")
    assert rechecked.data.decode().count('data-action="unchanged"') == 2


def test_import_names_what_is_wrong_with_a_file(browser_of, demo_app):
    client = browser_of("editor")
    waiting = pending_files(demo_app)
    empty = upload(client, "vendors", b"", "empty.csv")
    assert empty.status_code == 400
    assert b"The file is empty" in empty.data
    binary = upload(client, "vendors", bytes(range(256)) * 40, "vendors.csv")
    assert binary.status_code == 400
    assert b"holds binary data" in binary.data
    header = upload(client, "vendors", "vendor,website\n", "vendors.csv")
    assert header.status_code == 400
    assert b"no rows of data" in header.data
    none = client.post(
        "/vendors/import",
        data={"csrf_token": csrf(client), "step": "check"},
        content_type="multipart/form-data",
    )
    assert none.status_code == 400
    assert b"Choose a CSV or XLSX file" in none.data
    assert step(client, "vendors", "../../etc/passwd", "confirm").status_code == 400
    assert pending_files(demo_app) == waiting  # a refused file is not kept

    # Larger than the app's limit for forms, within the import's: read.
    assert demo_app.config["MAX_CONTENT_LENGTH"] < 1_300_000
    filler = "x" * 40_000
    body = "vendor,filler\n" + "".join(f"Webfind big {each},{filler}\n" for each in range(32))
    bigger = upload(client, "vendors", body, "big.csv")
    assert bigger.status_code == 200, bigger.data[:2000]
    assert bigger.data.decode().count('data-action="created"') == 32
    assert "filler" in bigger.data.decode()  # named as a column it does not know
    limit = demo_app.config.get("IMPORT_MAX_BYTES")
    demo_app.config["IMPORT_MAX_BYTES"] = 2000
    try:
        big = upload(client, "vendors", "vendor\n" + "x\n" * 5000, "big.csv")
    finally:
        demo_app.config["IMPORT_MAX_BYTES"] = limit
    assert big.status_code == 413
    assert b"larger than the limit of 2000 bytes" in big.data
    assert b'data-testid="importform"' in big.data


def test_import_needs_the_csrf_value_and_a_writer(browser_of, demo_app):
    client = browser_of("editor")
    forged = client.post(
        "/vendors/import",
        data={"step": "check", "file": (io.BytesIO(b"vendor\nWebfind forged\n"), "v.csv")},
        content_type="multipart/form-data",
    )
    # Without the CSRF value the cookie does not count: as signed out.
    assert forged.status_code == 303
    assert forged.headers["Location"].startswith("/signin")
    assert vendor_count(demo_app, "Webfind forged") == 0
    viewer = browser_of("viewer")
    assert viewer.get("/vendors/import").status_code == 403
    assert upload(viewer, "vendors", "vendor\nWebfind viewer\n", "v.csv").status_code == 403
    assert vendor_count(demo_app, "Webfind viewer") == 0
    signed_out = demo_app.test_client()
    assert signed_out.get("/vendors/import").status_code == 303
    # Admin data: editors may not import it.
    assert client.get("/users/import").status_code == 403


# On each database server -----------------------------------------------------------------


@pytest.mark.database
def test_an_import_through_the_pages_writes_on_the_database(
    make_app: Callable[..., Flask], database_url: str
):
    app = make_app(database_url, SHOPDB_COOKIE_SECURE="false")
    run(app, "db", "upgrade")
    run(app, "seed")
    run(app, "user", "create", "editor", "--role", "editor", "--password-stdin", input=PASSWORD)
    client = app.test_client()
    assert sign_in(client, "editor").status_code == 303
    body = "vendor;notes\nDbImport A;first\nDbImport B;second\nDbImport A;twice\n"
    checked = upload(client, "vendors", body, "semicolons.csv")
    assert checked.status_code == 200, checked.data[:2000]
    html = checked.data.decode()
    assert html.count('data-action="created"') == 2
    assert html.count('data-action="error"') == 1  # the same identity twice in one file
    done = step(client, "vendors", token_of(checked.data), "confirm", skiperrors="on")
    assert done.status_code == 200, done.data[:2000]
    assert vendor_count(app, "DbImport A", "DbImport B") == 2
    assert b"DbImport B" in client.get("/vendors?q=DbImport").data
    assert pending_files(app) == []


def test_a_list_exported_as_xlsx_imports_back_unchanged(browser_of):
    client = browser_of("editor")
    page = client.get("/vendors?sort=vendor").data.decode().replace("&amp;", "&")
    link = re.search(r'href="([^"]+)"[^>]*data-testid="exportxlsx"', page).group(1)
    workbook = client.get(link)
    assert workbook.status_code == 200
    checked = upload(client, "vendors", workbook.data, "vendors.xlsx")
    assert checked.status_code == 200, checked.data[:2000]
    html = checked.data.decode()
    total = client.get("/api/vendors?perpage=1").json["meta"]["pagination"]["total"]
    assert html.count('data-action="unchanged"') == total
    assert 'data-action="error"' not in html
    assert "Read as XLSX" in html


def test_a_user_keeps_only_a_few_uploads_waiting(browser_of, demo_app):
    client = browser_of("admin")
    tokens = [
        token_of(upload(client, "vendors", f"vendor\nWebfind waiting {each}\n", "v.csv").data)
        for each in range(PENDING_PER_USER + 2)
    ]
    kept = {path.name.split(".")[0] for path in pending_files(demo_app)}
    assert set(tokens[-PENDING_PER_USER:]) <= kept
    assert not set(tokens[:2]) & kept
    assert b"no longer waiting" in step(client, "vendors", tokens[0], "confirm").data
    for token in tokens[-PENDING_PER_USER:]:  # leave the folder as it was
        assert b"Written: 1 created" in step(client, "vendors", token, "confirm").data


def test_the_search_pages_cost_what_the_api_costs(browser_of, demo_app):
    """The page and the box run the API's statements, plus the page frame's
    few (the user, the banners), whatever the number of matches."""
    client = browser_of("viewer")
    engine = get_database(demo_app).engine
    counts = {}
    for text in ("pc-2001", "pc-", "a"):
        for name, url, headers in (
            ("api", f"/api/search?q={text}&limit=50", {}),
            ("page", f"/search?q={text}", {}),
            ("box", f"/search?q={text}", SUGGEST),
        ):
            with count_queries(engine) as counter:
                assert client.get(url, headers=headers).status_code == 200
            counts[(name, text)] = counter.count
    for text in ("pc-2001", "pc-", "a"):
        assert counts[("page", text)] == counts[("page", "a")], counts
        assert counts[("box", text)] == counts[("box", "a")], counts
        assert counts[("page", text)] - counts[("api", text)] <= 5, counts
