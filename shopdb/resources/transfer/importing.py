"""Rows of a spreadsheet written as records of one resource, through the one
write path (`Resource.save_many` inside one unit of work), with a report per
row: created, updated (with the changed fields), unchanged, or error (row,
column, message).

- Each row is a record, found by the resource's identity
  (`layout.identity_fields`: a hostname, a machine number, an asset number, a
  declared unique field, else the id): found, it is updated (an unchanged
  row writes and audits nothing); not found, it is created.
- A lookup given by name (`by_name`) is resolved here, once per distinct
  name: the exact name, else the one name that differs only in case; two
  names that differ only in case are an error naming both; an unknown name
  is an error unless `create_lookups`, which creates it through its own
  resource (audited like any write).
- All or nothing by default: any error and nothing is written (the report
  still says what every row would have done). `skip_errors` writes the good
  rows. A dry run writes nothing at all.
- Rows are saved CHUNK at a time, and the session is emptied after each
  chunk, so memory does not grow with the file.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any

from marshmallow import ValidationError, fields
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from shopdb.errors import InvalidInputError, ShopDBError
from shopdb.resources.batch import CREATED, NOOP, Saved
from shopdb.resources.transfer.exporting import restore
from shopdb.resources.transfer.layout import (
    NAME,
    NESTED,
    ROW_SEPARATOR,
    FlatColumn,
    Layout,
    identity_fields,
)
from shopdb.resources.transfer.reading import Sheet, file_error, open_sheet
from shopdb.services.actor import Actor
from shopdb.services.unitofwork import unit_of_work

if TYPE_CHECKING:
    from shopdb.resources.byname import NameLookup
    from shopdb.resources.definition import Resource

CHUNK = 500
UPDATED, UNCHANGED, ERROR = "updated", "unchanged", "error"
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "x"})
FALSE_WORDS = frozenset({"false", "0", "no", "n"})


@dataclass
class RowReport:
    row: int
    action: str
    identity: str = ""
    changes: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"row": self.row, "action": self.action}
        if self.identity:
            found["identity"] = self.identity
        if self.action == UPDATED:
            found["changes"] = self.changes
        if self.errors:
            found["errors"] = self.errors
        return found


@dataclass
class ImportReport:
    """What an import did (or, in a dry run or when it failed, would do)."""

    resource: str
    dryrun: bool
    format: str = ""
    identity: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    unknowncolumns: list[str] = field(default_factory=list)
    ignoredcolumns: list[str] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)
    written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        found = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, ERROR: 0}
        for row in self.rows:
            found[row.action] += 1
        return found

    @property
    def failed(self) -> bool:
        return any(row.action == ERROR for row in self.rows)

    def as_dict(self, *, unchanged: bool = True) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "format": self.format,
            "dryrun": self.dryrun,
            "written": self.written,
            "identity": self.identity,
            "counts": self.counts,
            "columns": self.columns,
            "unknowncolumns": self.unknowncolumns,
            "ignoredcolumns": self.ignoredcolumns,
            "rows": [row.as_dict() for row in self.rows if unchanged or row.action != UNCHANGED],
        }


class _AbandonError(Exception):
    """Rolls the unit of work back: the import had errors and writes all or nothing."""


# Cells to input values -------------------------------------------------------


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("Not a boolean; write true or false.")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("Not a whole number.")
    try:
        number = float(value) if isinstance(value, str) and "." in value else value
        whole = int(number)
        if whole != float(number):
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError("Not a whole number.") from None
    return whole


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError("Not a number.") from None


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def _moment(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def converter(kind: fields.Field | None) -> Callable[[Any], Any]:
    """What turns a cell into the value the input field `kind` takes
    (ValueError says why not): chosen once per column, not per cell."""
    if isinstance(kind, fields.Boolean):
        typed: Callable[[Any], Any] = _boolean
    elif isinstance(kind, fields.Integer):
        typed = _integer
    elif isinstance(kind, fields.Float | fields.Decimal | fields.Number):
        typed = _number
    elif isinstance(kind, fields.DateTime):
        typed = _moment
    elif isinstance(kind, fields.Date):
        typed = _day
    elif type(kind) is fields.Raw:
        typed = _json
    else:
        typed = _text

    def convert_cell(value: Any) -> Any:
        if isinstance(value, str):
            value = restore(value.strip())
            if value == "":
                return None
            if typed is _text:
                return value
        if value is None:
            return None
        return typed(value)

    return convert_cell


# Lookups by name ---------------------------------------------------------------


class NameResolver:
    """One lookup's names to ids for a whole import, read once."""

    def __init__(
        self,
        session: Session,
        lookup: NameLookup,
        creator: Resource | None,
        create: bool,
        actor: Actor,
    ) -> None:
        self.session = session
        self.lookup = lookup
        self.creator = creator
        self.create = create
        self.actor = actor
        self.exact: dict[str, Any] = {}
        self.folded: dict[str, list[tuple[str, Any]]] = {}
        for key, name in session.execute(select(lookup.key, lookup.namecolumn)).all():
            self._remember(name, key)

    def _remember(self, name: str, key: Any) -> None:
        self.exact[name] = key
        self.folded.setdefault(name.casefold(), []).append((name, key))

    def resolve(self, name: str) -> Any:
        """The id; ValueError says what is wrong with the name."""
        if name in self.exact:
            return self.exact[name]
        matches = self.folded.get(name.casefold(), [])
        if len(matches) == 1:
            return matches[0][1]
        label = self.lookup.label
        if matches:
            shown = " and ".join(repr(found) for found, _ in matches)
            raise ValueError(
                f"{name!r} matches the {label}s {shown}, which differ only in case; write "
                "the name exactly as one of them."
            )
        if not self.create:
            known = sorted(self.exact)[:10]
            raise ValueError(
                f"There is no {label} {name!r} (known: {', '.join(known) or 'none'}); fix "
                "the name, or import with --create-lookups to create it."
            )
        if self.creator is None:
            raise ValueError(f"There is no {label} {name!r}, and no resource creates one here.")
        saved = self.creator.save(
            self.session, {self.lookup.namecolumn.key: name}, actor=self.actor
        )
        key = getattr(saved.record, self.creator.primary_key)
        self._remember(name, key)
        return key


# The import -------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    raw: dict[str, Any]
    cleared: list[str]
    errors: list[dict[str, str]]
    identity: tuple[Any, ...] = ()
    instance: Any = None


class Importer:
    """One import of one file into one resource."""

    def __init__(
        self,
        resource: Resource,
        session: Session,
        actor: Actor,
        *,
        resources: Mapping[str, Resource] | None = None,
        create_lookups: bool = False,
    ) -> None:
        self.resource = resource
        self.session = session
        self.actor = actor
        self.layout = Layout(resource)
        self.identity = identity_fields(resource)
        self.resources = dict(resources or {})
        self.create_lookups = create_lookups
        self.resolvers: dict[str, NameResolver] = {}
        self.seen: dict[tuple[Any, ...], int] = {}
        self.headers: dict[str, str] = {}  # field or part.child -> header in the file

    # Reading a row ---------------------------------------------------------

    def _resolver(self, column: FlatColumn) -> NameResolver:
        lookup = column.lookup
        assert lookup is not None
        if lookup.name not in self.resolvers:
            creator = next(
                (item for item in self.resources.values() if item.model is lookup.model), None
            )
            self.resolvers[lookup.name] = NameResolver(
                self.session, lookup, creator, self.create_lookups, self.actor
            )
        return self.resolvers[lookup.name]

    def read_row(
        self,
        number: int,
        cells: list[Any],
        columns: list[FlatColumn | None],
        converters: list[Callable[[Any], Any]],
        headers: list[str],
    ) -> _Row:
        raw: dict[str, Any] = {}
        cleared: list[str] = []
        errors: list[dict[str, str]] = []
        nested: dict[str, dict[str, list[Any]]] = {}
        for index, column in enumerate(columns):
            if column is None:
                continue
            cell = cells[index] if index < len(cells) else None
            header = headers[index]
            convert_cell = converters[index]
            try:
                if column.kind == NESTED:
                    texts = self._nested_cells(column, cell)
                    nested.setdefault(column.field, {})[column.child] = [
                        convert_cell(text) for text in texts
                    ]
                    continue
                value = convert_cell(cell)
                if value is None:
                    target = (
                        column.lookup.idfield
                        if column.kind == NAME and column.lookup
                        else column.field
                    )
                    cleared.append(target)
                elif column.kind == NAME and column.lookup is not None:
                    raw[column.lookup.idfield] = self._resolver(column).resolve(str(value))
                else:
                    raw[column.field] = value
            except ValueError as error:
                errors.append({"column": header, "message": str(error)})
        for part, children in nested.items():
            declared = self.resource.nesting[part]
            if declared.many:
                length = max((len(values) for values in children.values()), default=0)
                items = [
                    {
                        child: values[position]
                        for child, values in children.items()
                        if position < len(values) and values[position] is not None
                    }
                    for position in range(length)
                ]
                raw[part] = [item for item in items if item]
            else:
                item = {
                    child: values[0]
                    for child, values in children.items()
                    if values and values[0] is not None
                }
                raw[part] = item or None
        return _Row(number, raw, cleared, errors)

    @cached_property
    def update_fields(self) -> dict[str, fields.Field]:
        """The input fields of a change (a schema is costly to build per row)."""
        return dict(self.resource.schemas.update(partial=True).fields)

    def _nested_cells(self, column: FlatColumn, cell: Any) -> list[Any]:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return []
        if column.many and isinstance(cell, str):
            return cell.split(ROW_SEPARATOR) if ROW_SEPARATOR in cell else [cell]
        return [cell]

    def identify(self, row: _Row) -> None:
        """The row's identity as stored (a hostname without its domain, ...),
        and an error for one that an earlier row of the file has."""
        if row.errors:
            return
        found = []
        for name in self.identity:
            value = row.raw.get(name)
            if value is None and (len(self.identity) == 1 or name not in row.cleared):
                return  # no identity given: a new record
            kind = self.layout.inputs.get(name)
            if value is not None and kind is not None and name != self.resource.primary_key:
                try:
                    value = kind.deserialize(value)
                except ValidationError:
                    return  # the save names the problem
            found.append(value)
        identity = tuple(found)
        first = self.seen.get(identity)
        if first is not None:
            header = self.headers.get(self.identity[0], self.identity[0])
            row.errors.append(
                {
                    "column": header,
                    "message": f"Row {first} has the same {', '.join(self.identity)} "
                    f"({', '.join(map(str, identity))}); each record once per file.",
                }
            )
            return
        self.seen[identity] = row.number
        row.identity = identity

    def find_existing(self, rows: list[_Row]) -> None:
        identified = [row for row in rows if row.identity]
        if not identified:
            return
        resource = self.resource
        if len(self.identity) == 1:
            name = self.identity[0]
            found = resource.find_many_by(
                self.session, name, [row.identity[0] for row in identified]
            )
            for row in identified:
                row.instance = found.get(row.identity[0])
            return
        for row in identified:
            condition = and_(
                *(
                    resource.column(name).is_(None)
                    if value is None
                    else resource.column(name) == value
                    for name, value in zip(self.identity, row.identity, strict=True)
                )
            )
            query = resource.scope(resource.select().where(condition))
            row.instance = self.session.scalars(query.limit(1)).first()

    def body(self, row: _Row) -> dict[str, Any]:
        """What save gets: for a new record the values given; for an existing
        one also null for each emptied field that may be null, and without the
        fields fixed once created (an error if the file changes one)."""
        raw = dict(row.raw)
        instance = row.instance
        if instance is None:
            raw.pop(self.resource.primary_key, None)
            return raw
        raw.pop(self.resource.primary_key, None)
        inputs = self.update_fields
        for name in row.cleared:
            kind = inputs.get(name)
            if kind is not None and kind.allow_none and name not in raw:
                raw[name] = None
        for name in self.resource.create_only:
            if name not in raw:
                continue
            given = raw.pop(name)
            kind = self.layout.inputs.get(name)
            try:
                wanted = kind.deserialize(given) if kind is not None else given
            except ValidationError:
                wanted = given
            stored = self.resource.storage.value(instance, name)
            if wanted != stored and str(wanted) != str(stored):
                row.errors.append(
                    {
                        "column": self.headers.get(name, name),
                        "message": f"{name} is fixed once the record is created "
                        f"({stored!r}); the file says {given!r}.",
                    }
                )
        for name in list(raw):
            if name not in inputs and name not in self.resource.nesting:
                raw.pop(name)  # only a create takes it (a password)
        return raw

    def column_of(self, path: list[Any]) -> str:
        """The file's header for an error's field path ({part: {index: {child}}})."""
        names = [str(step) for step in path if not isinstance(step, int)]
        if len(names) >= 2 and names[0] in self.resource.nesting:
            key = f"{names[0]}.{names[-1]}"
            return self.headers.get(key, key)
        name = names[0] if names else ""
        return self.headers.get(name, name or "record")

    def errors_of(self, error: ShopDBError) -> list[dict[str, str]]:
        details = getattr(error, "details", None) or {}
        found: list[dict[str, str]] = []

        def walk(value: Any, path: list[Any]) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(inner, [*path, key])
            elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
                for message in value:
                    found.append({"column": self.column_of(path), "message": message})
            elif isinstance(value, list):
                for index, inner in enumerate(value):
                    walk(inner, [*path, index])
            elif value is not None:
                found.append({"column": self.column_of(path), "message": str(value)})

        walk(details, [])
        return found or [{"column": "", "message": str(error)}]

    # The whole file ------------------------------------------------------------

    def run(
        self,
        sheet: Sheet,
        report: ImportReport,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        try:
            columns, unknown, ignored = self.layout.match(sheet.headers)
        except ValueError as error:
            raise file_error(str(error)) from None
        if not any(columns):
            raise file_error(
                "None of the file's columns is a field of "
                f"{self.resource.name}; its columns are: {', '.join(self.layout.headers)}."
            )
        report.unknowncolumns, report.ignoredcolumns = unknown, ignored
        self.name_headers(sheet.headers, columns, report)
        converters = [converter(None if column is None else column.input) for column in columns]
        chunk: list[_Row] = []
        for number, cells in sheet.rows:
            chunk.append(self.read_row(number, cells, columns, converters, sheet.headers))
            if len(chunk) >= CHUNK:
                self.save_chunk(chunk, report)
                if progress is not None:
                    progress(len(chunk))
                chunk = []
        if chunk:
            self.save_chunk(chunk, report)
            if progress is not None:
                progress(len(chunk))
        if not report.rows:
            raise file_error("The file has a header row but no rows of data.")

    def name_headers(
        self, headers: list[str], columns: list[FlatColumn | None], report: ImportReport
    ) -> None:
        """Which header of the file holds each field (errors name the header)."""
        for header, column in zip(headers, columns, strict=True):
            if column is None:
                continue
            report.columns[header] = column.header
            if column.kind == NESTED:
                self.headers[f"{column.field}.{column.child}"] = header
                self.headers.setdefault(column.field, header)
            else:
                self.headers[column.field] = header
                if column.lookup is not None:
                    self.headers[column.lookup.idfield] = header

    def save_chunk(self, rows: list[_Row], report: ImportReport) -> None:
        for row in rows:
            self.identify(row)
        self.find_existing(rows)
        items: list[tuple[dict[str, Any], Any]] = []
        saving: list[_Row] = []
        bodies = [(row, self.body(row)) for row in rows]
        for row, raw in bodies:
            if row.errors:
                continue
            items.append((raw, row.instance))
            saving.append(row)
        results = self.resource.save_many(self.session, items, actor=self.actor) if items else []
        outcome = dict(zip((row.number for row in saving), results, strict=True))
        for row in rows:
            shown = ", ".join(map(str, row.identity))
            result = outcome.get(row.number)
            if row.errors or result is None:
                report.rows.append(RowReport(row.number, ERROR, shown, errors=row.errors))
            elif isinstance(result, Saved):
                action = result.action
                if not shown:
                    shown = ", ".join(
                        str(self.resource.storage.value(result.record, name))
                        for name in self.identity
                    )
                if action == CREATED:
                    report.rows.append(RowReport(row.number, CREATED, shown))
                elif action == NOOP:
                    report.rows.append(RowReport(row.number, UNCHANGED, shown))
                else:
                    changed = [self.headers.get(name, name) for name in result.changes]
                    report.rows.append(RowReport(row.number, UPDATED, shown, changed))
            else:
                report.rows.append(
                    RowReport(row.number, ERROR, shown, errors=self.errors_of(result))
                )
        # Written rows are flushed: let them go, so memory stays flat.
        self.session.flush()
        self.session.expunge_all()


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """What the process holds before the import (the app: resources,
    schemas, plugins, some 200,000 objects) left out of the garbage
    collector's full collections while it runs: each of them otherwise walks
    all of it again, and the rows of a chunk that live until it is written
    set them off every few hundred rows (a third of an import's time). As
    the server does for its workers (deploy/gunicorn.conf.py), whose freeze
    is left as it is: unfreezing would hand the app back to the collector."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def import_file(
    resource: Resource,
    session: Session,
    stream: IO[bytes],
    filename: str,
    actor: Actor,
    *,
    dryrun: bool = False,
    skip_errors: bool = False,
    create_lookups: bool = False,
    resources: Mapping[str, Resource] | None = None,
    progress: Callable[[int], None] | None = None,
    started: Callable[[int | None], None] | None = None,
) -> ImportReport:
    """Import the file in `stream` into `resource` in one unit of work;
    a file that cannot be read at all is an InvalidInputError naming why."""
    if not (resource.allow_create or resource.allow_update):
        raise InvalidInputError(f"{resource.name} records cannot be imported: they are read-only.")
    sheet = open_sheet(stream, filename)
    report = ImportReport(resource.name, dryrun, sheet.kind)
    importer = Importer(
        resource, session, actor, resources=resources, create_lookups=create_lookups
    )
    report.identity = list(importer.identity)
    if started is not None:
        started(sheet.total)
    try:
        with _heap_frozen(), unit_of_work(session, actor, dryrun=dryrun):
            importer.run(sheet, report, progress)
            if report.failed and not skip_errors:
                raise _AbandonError
            report.written = not dryrun and any(
                row.action in (CREATED, UPDATED) for row in report.rows
            )
    except _AbandonError:
        report.written = False
    return report
