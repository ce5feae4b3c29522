"""The label sheets' geometry and layout arithmetic, without Flask: labels
per page, where each label sits, the start offset and the page count."""

from __future__ import annotations

import pytest

from shopdb.errors import InvalidInputError
from shopdb.plugins.assetlabels import name_length
from shopdb.services.labelsheets import (
    SHEETS,
    layout,
    page_count,
    parse_offset,
    sheet_named,
    shortened,
)


def test_the_avery_sheets_fit_their_paper_exactly():
    l7160, l7163, letter = SHEETS["l7160"], SHEETS["l7163"], SHEETS["5160"]
    assert (l7160.perpage, l7163.perpage, letter.perpage) == (21, 14, 30)
    assert (l7160.labelwidth, l7160.labelheight, l7160.unit) == (63.5, 38.1, "mm")
    assert (letter.labelwidth, letter.labelheight, letter.unit) == (2.625, 1.0, "in")
    for sheet in SHEETS.values():
        last = sheet.position(sheet.perpage - 1)
        right = sheet.pagewidth - (last[0] + sheet.labelwidth)
        bottom = sheet.pageheight - (last[1] + sheet.labelheight)
        # Symmetric margins within a tenth of a millimetre.
        tolerance = 0.1 / (25.4 if sheet.unit == "in" else 1)
        assert abs(right - sheet.left) <= tolerance, sheet.name
        assert abs(bottom - sheet.top) <= tolerance, sheet.name
    assert l7160.position(0) == (7.25, 15.15)
    assert l7160.position(4) == (73.29, 53.25)  # second row, second column
    assert letter.position(29) == (5.6875, 9.5)
    assert letter.position(30) == letter.position(0)  # the next sheet


@pytest.mark.parametrize(
    ("count", "offset", "sheet", "pages"),
    [
        (0, 0, "l7160", 0),
        (1, 0, "l7160", 1),
        (21, 0, "l7160", 1),
        (22, 0, "l7160", 2),
        (18, 3, "l7160", 1),
        (19, 3, "l7160", 2),
        (30, 0, "5160", 1),
        (31, 29, "5160", 2),
        (61, 29, "5160", 3),
    ],
)
def test_page_count(count, offset, sheet, pages):
    assert page_count(count, offset, SHEETS[sheet]) == pages
    assert len(layout(list(range(count)), offset, SHEETS[sheet])) == pages


def test_the_offset_leaves_used_labels_blank_and_the_rest_follow_in_order():
    sheet = SHEETS["l7160"]
    pages = layout(["a", "b", "c"], 20, sheet)
    assert len(pages) == 2 and all(len(page) == 21 for page in pages)
    assert [slot.item for slot in pages[0]] == [None] * 20 + ["a"]
    assert [slot.item for slot in pages[1]][:3] == ["b", "c", None]
    assert [slot.slot for slot in pages[1]] == list(range(21))


def test_bad_sheet_and_offset_name_the_problem():
    assert sheet_named(None).name == "l7160"
    assert sheet_named(" L7160 ").name == "l7160"
    with pytest.raises(InvalidInputError, match="known sheets: l7160, l7163, 5160") as raised:
        sheet_named("l9999")
    assert list(raised.value.details) == ["sheet"]
    sheet = SHEETS["5160"]
    assert parse_offset(None, sheet) == 0 and parse_offset("", sheet) == 0
    assert parse_offset("29", sheet) == 29
    for bad in ("30", "-1", "x", "1.5", "\u00b2"):
        with pytest.raises(InvalidInputError, match="give 0 to 29"):
            parse_offset(bad, sheet)


def test_long_names_are_shortened_to_fit_the_label():
    assert shortened("Short", 10) == "Short"
    assert shortened("A very long machine name indeed", 12) == "A very lo..."
    assert shortened(None, 5) == ""
    assert name_length(SHEETS["l7160"]) < name_length(SHEETS["5160"]) < name_length(SHEETS["l7163"])
