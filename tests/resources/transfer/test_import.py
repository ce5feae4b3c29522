"""Import through REST and the CLI: dry run, all or nothing, skip errors,
lookups by name, and every kind of bad file named clearly."""

from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import Workbook

from shopdb.testing.sites import invoke

pytestmark = pytest.mark.database


def upload(site, resource: str, data: bytes, name: str = "f.csv", **query):
    return site.editor.post(
        f"/api/{resource}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        query_string=query,
    )


def tag() -> str:
    return uuid.uuid4().hex[:6].upper()


def vendors(site, prefix: str) -> list[dict]:
    reply = site.admin.get("/api/vendors", query_string={"q": prefix, "perpage": 500})
    return reply.get_json()["data"]


def test_dry_run_then_import_then_unchanged(demo):
    prefix = f"IMP{tag()}"
    data = (
        f"\ufeffVendor;Website;Notes;Colour\r\n{prefix} A;https://a.example;=1+2;red\r\n"
        f"{prefix} B;;x;blue\r\n"
    ).encode()
    dry = upload(demo, "vendors", data, dryrun="true")
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()["data"]
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    assert report["unknowncolumns"] == ["Colour"] and not report["written"]
    assert vendors(demo, prefix) == []
    done = upload(demo, "vendors", data).get_json()["data"]
    assert done["written"] and done["counts"]["created"] == 2
    rows = {row["vendor"]: row for row in vendors(demo, prefix)}
    assert rows[f"{prefix} A"]["notes"] == "=1+2"
    again = upload(demo, "vendors", data).get_json()["data"]
    assert again["counts"]["unchanged"] == 2
    changed = data.replace(b";x;", b";y;")
    report = upload(demo, "vendors", changed).get_json()["data"]
    assert report["counts"]["updated"] == 1
    assert [row["changes"] for row in report["rows"] if row["action"] == "updated"] == [["Notes"]]


def test_cp1252_tab_and_xlsx(demo):
    prefix = f"ENC{tag()}"
    data = f"vendor\tnotes\n{prefix} Gie\u00dferei\tM\u00fcller\n".encode("cp1252")
    report = upload(demo, "vendors", data).get_json()["data"]
    assert report["counts"]["created"] == 1
    assert vendors(demo, prefix)[0]["notes"] == "M\u00fcller"
    book = Workbook()
    sheet = book.active
    sheet.append(["VENDOR", "is active"])
    sheet.append([f"{prefix} X", "false"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = upload(demo, "vendors", buffer.getvalue(), "v.xlsx").get_json()["data"]
    assert report["format"] == "xlsx" and report["counts"]["created"] == 1
    assert [row["isactive"] for row in vendors(demo, f"{prefix} X")] == [False]


def test_computers_by_hostname_with_lookups_and_interfaces(demo):
    name = f"imp-{tag().lower()}"
    data = (
        "hostname,operatingsystem,computertype,macaddress,interfaces.name\n"
        f"{name}.plant1.local,Windows 11 Enterprise,shop-floor pc,02-AA-BB-00-00-01,Ethernet\n"
    ).encode()
    report = upload(demo, "computers", data).get_json()["data"]
    assert report["counts"]["created"] == 1, report
    assert report["identity"] == ["hostname"]
    found = demo.admin.get("/api/computers", query_string={"hostname": name}).get_json()["data"]
    assert found[0]["interfaces"][0]["macaddress"] == "02:aa:bb:00:00:01"
    assert found[0]["assetnumber"] == name.upper()
    again = upload(demo, "computers", data).get_json()["data"]
    assert again["counts"]["unchanged"] == 1, again
    unknown = data.replace(b"Windows 11 Enterprise", b"OS/2 Warp")
    failed = upload(demo, "computers", unknown)
    assert failed.status_code == 400
    error = failed.get_json()["data"]["error"]
    assert error["code"] == "import_failed"
    message = error["details"]["rows"][0]["errors"][0]
    assert message["column"] == "operatingsystem" and "--create-lookups" in message["message"]
    created = upload(demo, "computers", unknown, createlookups="true").get_json()["data"]
    assert created["counts"]["updated"] == 1


def test_all_or_nothing_and_skip_errors(demo):
    prefix = f"AON{tag()}"
    data = (
        f"vendor,isactive\n{prefix} 1,true\n{prefix} 1,true\n{prefix} 2,maybe\n{prefix} 3,\n"
    ).encode()
    failed = upload(demo, "vendors", data)
    assert failed.status_code == 400
    rows = failed.get_json()["data"]["error"]["details"]["rows"]
    errors = {row["row"]: row["errors"][0] for row in rows if row["action"] == "error"}
    assert "Row 2 has the same vendor" in errors[3]["message"]
    assert errors[4]["column"] == "isactive"
    assert vendors(demo, prefix) == []
    skipped = upload(demo, "vendors", data, skiperrors="true").get_json()["data"]
    assert skipped["written"] and skipped["counts"]["created"] == 2
    assert sorted(row["vendor"] for row in vendors(demo, prefix)) == [f"{prefix} 1", f"{prefix} 3"]


def test_rows_that_conflict_on_a_unique_value(demo):
    first, second = f"imp-{tag().lower()}", f"imp-{tag().lower()}"
    data = (
        f"hostname,macaddress,interfaces.name\n{first},02:ab:00:00:00:09,e0\n"
        f"{second},02-AB-00-00-00-09,e0\n"
    ).encode()
    failed = upload(demo, "computers", data)
    assert failed.status_code == 400
    rows = failed.get_json()["data"]["error"]["details"]["rows"]
    assert rows[1]["errors"][0]["column"] == "macaddress", rows
    query = {"q": first}
    assert demo.admin.get("/api/computers", query_string=query).get_json()["data"] == []


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "f.csv", "empty"),
        (b"vendor,notes\r\n", "f.csv", "no rows of data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f.csv", "binary"),
        (b"colour,size\nred,1\n", "f.csv", "None of the file's columns"),
        (b"not a zip", "f.xlsx", "not an XLSX workbook"),
        (b"vendor,Vendor\nA,B\n", "f.csv", "both mean vendor"),
    ],
)
def test_bad_files_are_named(demo, data, name, words):
    response = upload(demo, "vendors", data, name)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["data"]["error"]
    assert words in error["message"], error
    assert error["details"]["file"]


def test_oversized_file_and_permissions(demo):
    demo.app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        response = upload(demo, "vendors", b"vendor\n" + b"x" * 2000)
        assert response.status_code == 413
    finally:
        demo.app.config.pop("IMPORT_MAX_BYTES")
    viewer = demo.callers["viewer"].post(
        "/api/vendors/import",
        data={"file": (io.BytesIO(b"vendor\nx\n"), "f.csv")},
        content_type="multipart/form-data",
    )
    assert viewer.status_code == 403
    assert demo.editor.post("/api/vendors/import", json={}).status_code == 415


def test_cli_import_dry_run_and_errors(demo, tmp_path):
    prefix = f"CLI{tag()}"
    good = tmp_path / "v.csv"
    good.write_text(f"vendor\n{prefix} 1\n{prefix} 2\n", "utf-8")
    result = invoke(demo.app, "import", "vendors", str(good), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output and "dry run" in result.output
    assert vendors(demo, prefix) == []
    result = invoke(demo.app, "import", "vendors", str(good))
    assert result.exit_code == 0 and "written" in result.output
    bad = tmp_path / "b.csv"
    bad.write_text(f"vendor,isactive\n{prefix} 3,perhaps\n", "utf-8")
    result = invoke(demo.app, "import", "vendors", str(bad))
    assert result.exit_code == 1
    assert "row 2 column 'isactive'" in result.output and "Nothing was written" in result.output
