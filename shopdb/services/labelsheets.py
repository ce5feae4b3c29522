"""Label sheets: the geometry of the common adhesive label sheets, and how a
selection of records is laid out on them (a start offset for a partly used
sheet, as many pages as the selection needs).

Pure data and arithmetic, no Flask: the asset labels print view
(shopdb.plugins.assetlabels) draws what `layout` returns with print CSS in
the sheet's own unit, so a label lands where the sheet's die cut is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from shopdb.errors import InvalidInputError

Item = TypeVar("Item")


@dataclass(frozen=True)
class LabelSheet:
    """One sheet of labels as its maker specifies it, in `unit` (mm or in):
    the paper, the first label's top left corner (`top`, `left` margins),
    the label size and the pitch (label plus gap) across and down."""

    name: str
    title: str
    paper: str  # the CSS @page size keyword
    unit: str
    pagewidth: float
    pageheight: float
    columns: int
    rows: int
    labelwidth: float
    labelheight: float
    top: float
    left: float
    pitchacross: float
    pitchdown: float

    @property
    def perpage(self) -> int:
        return self.columns * self.rows

    @property
    def labelheight_mm(self) -> float:
        return self.labelheight * (25.4 if self.unit == "in" else 1.0)

    def position(self, slot: int) -> tuple[float, float]:
        """(left, top) of the label in `slot` (0 top left, across then down)."""
        row, column = divmod(slot % self.perpage, self.columns)
        return (
            round(self.left + column * self.pitchacross, 4),
            round(self.top + row * self.pitchdown, 4),
        )


# Avery's published templates. L7160 and L7163: A4, margins 15.15 mm top and
# bottom; 5160: US Letter, 0.5 in top and bottom, 3/16 in at the sides.
SHEETS: dict[str, LabelSheet] = {
    sheet.name: sheet
    for sheet in (
        LabelSheet(
            name="l7160",
            title="Avery L7160 (A4, 21 labels of 63.5 x 38.1 mm)",
            paper="A4",
            unit="mm",
            pagewidth=210.0,
            pageheight=297.0,
            columns=3,
            rows=7,
            labelwidth=63.5,
            labelheight=38.1,
            top=15.15,
            left=7.25,
            pitchacross=66.04,
            pitchdown=38.1,
        ),
        LabelSheet(
            name="l7163",
            title="Avery L7163 (A4, 14 labels of 99.1 x 38.1 mm)",
            paper="A4",
            unit="mm",
            pagewidth=210.0,
            pageheight=297.0,
            columns=2,
            rows=7,
            labelwidth=99.1,
            labelheight=38.1,
            top=15.15,
            left=4.65,
            pitchacross=101.6,
            pitchdown=38.1,
        ),
        LabelSheet(
            name="5160",
            title="Avery 5160 (US Letter, 30 labels of 2.625 x 1 in)",
            paper="letter",
            unit="in",
            pagewidth=8.5,
            pageheight=11.0,
            columns=3,
            rows=10,
            labelwidth=2.625,
            labelheight=1.0,
            top=0.5,
            left=0.1875,
            pitchacross=2.75,
            pitchdown=1.0,
        ),
    )
}
DEFAULT_SHEET = "l7160"
# Labels one request prints: 24 A4 sheets, 17 Letter ones.
MOST_LABELS = 500


@dataclass(frozen=True)
class Slot(Generic[Item]):
    """One label position of a page: `item` None is a label left blank (used
    already on a partly used sheet)."""

    slot: int
    item: Item | None


def sheet_named(name: str | None) -> LabelSheet:
    """The sheet called `name` (default L7160); a 400 naming the known ones."""
    key = (name or DEFAULT_SHEET).strip().lower()
    if key not in SHEETS:
        known = ", ".join(SHEETS)
        message = f"There is no label sheet {name!r}; known sheets: {known}."
        raise InvalidInputError(message, {"sheet": [message]})
    return SHEETS[key]


def parse_offset(text: str | None, sheet: LabelSheet) -> int:
    """Labels already used on the first sheet: 0 to perpage - 1; a 400 naming
    the range otherwise."""
    if text is None or not text.strip():
        return 0
    raw = text.strip()
    if raw.isascii() and raw.isdigit() and int(raw) < sheet.perpage:
        return int(raw)
    message = (
        f"offset {raw!r} is not a number of used labels; {sheet.name} has {sheet.perpage} "
        f"labels a page, so give 0 to {sheet.perpage - 1}."
    )
    raise InvalidInputError(message, {"offset": [message]})


def page_count(count: int, offset: int, sheet: LabelSheet) -> int:
    """Sheets needed for `count` labels starting after `offset` used ones."""
    return math.ceil((offset + count) / sheet.perpage) if count else 0


def layout(items: list[Item], offset: int, sheet: LabelSheet) -> list[list[Slot[Item]]]:
    """The pages of labels: the first `offset` slots of the first page blank,
    then one label per item in order, then blank to the end of the page."""
    slots: list[Item | None] = [None] * offset + list(items)
    pages = page_count(len(items), offset, sheet)
    slots += [None] * (pages * sheet.perpage - len(slots))
    return [
        [Slot(slot, slots[page * sheet.perpage + slot]) for slot in range(sheet.perpage)]
        for page in range(pages)
    ]


def shortened(text: str | None, most: int) -> str:
    """`text` cut to `most` characters with '...' when longer."""
    text = (text or "").strip()
    return text if len(text) <= most else text[: most - 3].rstrip() + "..."
