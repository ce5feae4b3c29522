"""Records out as CSV or XLSX, streamed: the rows are read in chunks
(`yield_per`) and written as they come, so a list of 100,000 assets never
sits in memory at once.

A text cell that a spreadsheet would run as a formula (it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading
apostrophe, so opening an export never runs what someone typed into a
record; import takes the apostrophe off again.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shopdb.resources.transfer.layout import KEY, NAME, NESTED, ROW_SEPARATOR, Layout, example_row

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
MEDIA_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows read per round trip to the database, and CSV rows per chunk sent.
CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
BOM = "\ufeff"


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (text that
    already starts with apostrophes and a formula gets one more, so that
    `restore` gives back exactly what was stored)."""
    formula = text.lstrip(NEUTRALISER).startswith(FORMULA_STARTS)
    return NEUTRALISER + text if formula else text


def restore(text: str) -> str:
    """What `neutralise` was given: the apostrophe it added taken off."""
    if text.startswith(NEUTRALISER) and text.lstrip(NEUTRALISER).startswith(FORMULA_STARTS):
        return text[1:]
    return text


# The first characters after which `neutralise` may have work to do.
SUSPECT_STARTS = frozenset((NEUTRALISER, *FORMULA_STARTS))


def csv_cell(value: Any) -> str:
    """`neutralise(as_text(value))`, with the common cells (text and whole
    numbers that start harmlessly) taken straight: a 100,000-row export
    has 1.4 million cells, and the general path was half of its time."""
    kind = type(value)
    if kind is str:
        text = value
    elif value is None:
        return ""
    elif kind is int:
        text = str(value)
    else:
        text = as_text(value)
    return neutralise(text) if text and text[0] in SUSPECT_STARTS else text


def as_text(value: Any) -> str:
    """One value as a CSV cell (before neutralising)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date | Decimal | int | float):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class Exporter:
    """Turns records of one resource into rows of plain values."""

    def __init__(self, resource: Resource, session: Session) -> None:
        self.resource = resource
        self.session = session
        self.layout = Layout(resource)
        # Lookup tables are small: every id's name is read once per export.
        self.names: dict[str, dict[Any, Any]] = {}
        for column in self.layout.columns:
            if column.kind == NAME and column.lookup is not None:
                lookup = column.lookup
                found = session.execute(select(lookup.key, lookup.namecolumn)).all()
                self.names[column.header] = {key: name for key, name in found}

    @property
    def headers(self) -> list[str]:
        return self.layout.headers

    def values(self, record: Any) -> list[Any]:
        storage = self.resource.storage
        row: list[Any] = []
        for column in self.layout.columns:
            if column.kind == NESTED and column.part is not None:
                children = column.part.rows(record)
                row.append(
                    ROW_SEPARATOR.join(as_text(getattr(child, column.child)) for child in children)
                    if column.many
                    else (getattr(children[0], column.child) if children else None)
                )
            elif column.kind == NAME and column.lookup is not None:
                key = storage.value(record, column.lookup.idfield)
                row.append(self.names[column.header].get(key))
            else:
                row.append(storage.value(record, column.field))
        return row

    def rows(self, query: Select) -> Iterator[list[Any]]:
        """The rows of `query` (the list query), read CHUNK records at a time.
        Only columns are read, no ORM objects made (the same WHERE and ORDER
        BY): the record's own, then per chunk one query per nested part for
        the children of the chunk's records."""
        own = [column for column in self.layout.columns if column.kind != NESTED]
        fields = [
            column.lookup.idfield if column.kind == NAME and column.lookup else column.field
            for column in own
        ]
        selected = query.with_only_columns(
            *(self.resource.column(name) for name in fields), maintain_column_froms=True
        )
        named = [
            (index, self.names[column.header])
            for index, column in enumerate(own)
            if column.kind == NAME
        ]
        nested = self.nested
        key = fields.index(self.resource.primary_key)
        # MySQL's streamed results (an unbuffered cursor) allow no other query
        # until they are read: with nested parts there, the rows are buffered.
        dialect = self.session.get_bind().dialect.name
        if dialect != "mysql" or not self.resource.nesting:
            selected = selected.execution_options(yield_per=CHUNK)
        result = self.session.execute(selected)
        for chunk in result.partitions(CHUNK):
            children = self._children([row[key] for row in chunk])
            for row in chunk:
                values = list(row)
                for index, mapping in named:
                    values[index] = mapping.get(values[index])
                if nested:
                    values += [self._nested(column, children, row[key]) for column in nested]
                yield values

    @property
    def nested(self) -> list[Any]:
        return [column for column in self.layout.columns if column.kind == NESTED]

    def _children(self, keys: list[Any]) -> dict[str, dict[Any, list[Any]]]:
        """Per nested part: parent key -> child rows, in the children's key order."""
        found: dict[str, dict[Any, list[Any]]] = {}
        for part in self.resource.nesting.values():
            table = part.table
            rows = self.session.execute(
                select(table).where(part.child_column.in_(keys)).order_by(table.c[part.primary_key])
            ).all()
            grouped: dict[Any, list[Any]] = {}
            for row in rows:
                grouped.setdefault(getattr(row, part.foreign_key), []).append(row)
            found[part.name] = grouped
        return found

    def _nested(self, column: Any, children: dict[str, dict[Any, list[Any]]], key: Any) -> Any:
        rows = children[column.field].get(key, [])
        if column.many:
            if len(rows) == 1:  # the common case: one interface
                return as_text(getattr(rows[0], column.child))
            return ROW_SEPARATOR.join(as_text(getattr(row, column.child)) for row in rows)
        return getattr(rows[0], column.child) if rows else None

    def template(self, body: dict[str, Any] | None) -> Iterator[list[Any]]:
        """One example row from a create body (`Resource.sample`), names for ids."""
        if body is None:
            return
        flat = example_row(self.resource, self.layout, body)
        for column in self.layout.columns:
            if column.kind == NAME and column.lookup is not None:
                given = flat.get(column.header)
                if isinstance(given, int):
                    flat[column.header] = self.names[column.header].get(given, "")
            if column.kind == KEY:
                flat[column.header] = None
        yield [flat[header] for header in self.headers]


# Writers ----------------------------------------------------------------------


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF lines,
    sent CHUNK rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(value) for value in row])
        if count % CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# Control characters an XLSX cell cannot hold (openpyxl refuses them).
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")


def _xlsx_cell(value: Any) -> Any:
    if type(value) is str:  # most cells: no other check needed
        if ILLEGAL_CHARACTERS.search(value):
            value = ILLEGAL_CHARACTERS.sub("", value)
        return neutralise(value) if value and value[0] in SUSPECT_STARTS else value
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return neutralise(ILLEGAL_CHARACTERS.sub("", str(value)))


def write_xlsx(
    headers: list[str], rows: Iterable[list[Any]], target: IO[bytes], title: str
) -> None:
    """An openpyxl write-only workbook: rows go to a temporary file as they
    come, not into a sheet held in memory."""
    # openpyxl (175 modules) is imported when a workbook is asked for, not
    # by every server process at start (issue 19's memory budget).
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "export")
    sheet.append(headers)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    workbook.save(target)


def xlsx_chunks(headers: list[str], rows: Iterable[list[Any]], title: str) -> Iterator[bytes]:
    """The workbook, written to a temporary file, then sent in pieces."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(headers, rows, spool, title)
        spool.seek(0)
        while piece := spool.read(1 << 16):
            yield piece


def chunks(kind: str, headers: list[str], rows: Iterable[list[Any]], title: str) -> Iterator[bytes]:
    if kind == XLSX:
        return xlsx_chunks(headers, rows, title)
    return csv_chunks(headers, rows)


def export_query(resource: Resource, session: Session, query: Select, kind: str) -> Iterator[bytes]:
    """The file of the records `query` selects (call it with the list query)."""
    exporter = Exporter(resource, session)
    return chunks(kind, exporter.headers, exporter.rows(query), resource.name)


def export_template(
    resource: Resource, session: Session, body: dict[str, Any] | None, kind: str
) -> Iterator[bytes]:
    exporter = Exporter(resource, session)
    return chunks(kind, exporter.headers, exporter.template(body), resource.name)
