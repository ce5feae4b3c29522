"""Export of every list as CSV and XLSX: the list's filters, q and sort,
lookups by name, nested rows flat, formulas neutralised, templates."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from shopdb.resources.transfer.exporting import (
    _xlsx_cell,
    as_text,
    csv_cell,
    neutralise,
    restore,
)
from tests.collectors.conftest import run

pytestmark = pytest.mark.database


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_follows_the_list_filters_q_and_sort(demo):
    listed = demo.admin.get(
        "/api/computers", query_string={"q": "pc-20", "sort": "-hostname", "perpage": 500}
    ).get_json()["data"]
    rows = rows_of(
        demo.admin.get("/api/computers/export", query_string={"q": "pc-20", "sort": "-hostname"})
    )
    assert [row["hostname"] for row in rows] == [row["hostname"] for row in listed]
    assert rows and len(rows) == len(listed)
    first = rows[0]
    # Lookups by name, nested interfaces flat (one line per interface).
    assert "operatingsystem" in first and "operatingsystemid" not in first
    assert first["operatingsystem"] and not first["operatingsystem"].isdigit()
    assert first["macaddress"].count(":") >= 5
    filtered = rows_of(
        demo.admin.get("/api/equipment/export", query_string={"equipmenttype": "lathe"})
    )
    assert filtered and {row["equipmenttype"].lower() for row in filtered} == {"lathe"}


def test_export_xlsx_and_permissions(demo):
    response = demo.admin.get("/api/vendors/export", query_string={"format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('vendors.xlsx"')
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("vendorid", "vendor")
    assert len(values) > 5
    assert demo.callers[None].get("/api/users/export").status_code == 401
    assert demo.callers["viewer"].get("/api/users/export").status_code == 403
    bad = demo.admin.get("/api/vendors/export", query_string={"format": "pdf"})
    assert bad.status_code == 400
    assert demo.admin.get("/api/vendors/export", query_string={"nosuch": 1}).status_code == 400


def test_formulas_are_neutralised_and_restored(demo):
    notes = '=HYPERLINK("http://evil","x")'
    created = demo.admin.post("/api/vendors", json={"vendor": "Formula Works", "notes": notes})
    assert created.status_code == 201, created.get_json()
    rows = rows_of(demo.admin.get("/api/vendors/export", query_string={"vendor": "Formula Works"}))
    assert rows[0]["notes"] == "'" + notes
    sheet = load_workbook(
        io.BytesIO(
            demo.admin.get(
                "/api/vendors/export", query_string={"vendor": "Formula Works", "format": "xlsx"}
            ).get_data()
        )
    ).worksheets[0]
    assert sheet.cell(2, 4).data_type == "s"
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "'=kept"):
        assert restore(neutralise(text)) == text
        assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_template_has_the_columns_and_one_example(demo):
    rows = rows_of(demo.admin.get("/api/computers/export/template"))
    assert len(rows) == 1
    assert rows[0]["hostname"] and rows[0]["assetid"] == ""
    assert list(rows[0])[:2] == ["assetid", "assetnumber"]


def test_cli_export_with_filters(demo, tmp_path):
    target = tmp_path / "eq.csv"
    output = run(
        demo.app,
        "export",
        "equipment",
        "--filter",
        "equipmenttype=lathe",
        "--sort",
        "-machinenumber",
        "-o",
        str(target),
    ).output
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"))))
    assert f"Wrote {len(rows)} equipment row(s)" in output
    numbers = [row["machinenumber"] for row in rows]
    assert numbers == sorted(numbers, reverse=True)
    xlsx = tmp_path / "v.xlsx"
    run(demo.app, "export", "vendors", "-o", str(xlsx))
    assert load_workbook(xlsx).worksheets[0].max_row > 5


@pytest.mark.parametrize(
    "value",
    [
        "",
        "PC-1",
        "=1+1",
        "'=x",
        "-5",
        "+49 30",
        "@a",
        "\tx",
        "x\x01y",
        "'",
        -5,
        0,
        7,
        1.5,
        True,
        False,
        None,
        {"a": 1},
        [1, 2],
    ],
)
def test_the_fast_cell_paths_give_what_the_general_ones_give(value):
    assert csv_cell(value) == neutralise(as_text(value))
    if isinstance(value, str):
        assert _xlsx_cell(value) == neutralise(value.replace("\x01", ""))
