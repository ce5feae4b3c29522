"""The flat columns of a resource's spreadsheet, derived from its declaration.

One record is one row:

- the primary key first (an identity when the resource has no other);
- then every field a client writes, in record order, a lookup declared
  `by_name` shown by its name (`operatingsystem`, not `operatingsystemid`);
- then every nested part, one column per child field. A one-to-one part
  (`HasOne`) holds its row's value; a one-to-many part (`HasMany`) holds the
  value of each of its rows, one per line of the cell (in Excel: Alt+Enter),
  so a PC with one interface has plain `macaddress` and `ipaddress` columns
  and one with two is not cut short. A child field is named by itself where
  no other field has its name, else `<part>.<field>` (`interfaces.name`).

Import matches a file's headers to these columns by name or label, case,
spaces, dots, hyphens and underscores ignored ("MAC Address" is
`macaddress`), and also takes a lookup's id column and the fields only a
create takes (a user's `password`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from marshmallow import fields

from shopdb.resources.byname import NameLookup
from shopdb.resources.nested import NestedPart
from shopdb.resources.schemas import TIMESTAMPS
from shopdb.services.records import unique_groups

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

KEY, FIELD, NAME, NESTED = "key", "field", "name", "nested"
# Separates the rows of a one-to-many part inside one cell.
ROW_SEPARATOR = "\n"
_FOLD = re.compile(r"[\s._\-]+")


def fold(header: str) -> str:
    """A header as compared: lowercase, without spaces, dots, hyphens, underscores."""
    return _FOLD.sub("", header.strip().lower())


@dataclass(frozen=True, eq=False)
class FlatColumn:
    """One column: its header, what it holds and the input field it feeds.

    `kind` is KEY (the primary key), FIELD (a field of the record), NAME (a
    lookup given by name: `lookup`) or NESTED (`child` of the nested `part`)."""

    header: str
    kind: str
    field: str
    input: fields.Field | None = None
    lookup: NameLookup | None = None
    part: NestedPart | None = None
    child: str = ""
    label: str = ""

    @property
    def many(self) -> bool:
        return self.part is not None and self.part.many


class Layout:
    """The columns of one resource, for export (`columns`) and for matching
    a file's headers on import (`match`)."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        create = resource.schemas.create().fields
        update = resource.schemas.update(partial=True).fields
        self.inputs: dict[str, fields.Field] = {**update, **create}
        by_id = {lookup.idfield: lookup for lookup in resource.lookups.values()}
        columns = [FlatColumn(resource.primary_key, KEY, resource.primary_key, fields.Integer())]
        for name in resource.writable:
            lookup = by_id.get(name)
            if lookup is not None:
                columns.append(
                    FlatColumn(
                        lookup.name,
                        NAME,
                        lookup.name,
                        self.inputs.get(lookup.name),
                        lookup,
                        label=lookup.label,
                    )
                )
            elif name in self.inputs:
                columns.append(FlatColumn(name, FIELD, name, self.inputs[name]))
        taken = {column.header for column in columns} | set(resource.columns)
        children = [(part, child) for part in resource.nesting.values() for child in part.writable]
        counts: dict[str, int] = {}
        for _, child in children:
            counts[child] = counts.get(child, 0) + 1
        for part, child in children:
            plain = child not in taken and counts[child] == 1
            header = child if plain else f"{part.name}.{child}"
            schema = part.create_schema().fields
            columns.append(
                FlatColumn(header, NESTED, part.name, schema.get(child), part=part, child=child)
            )
        self.columns: tuple[FlatColumn, ...] = tuple(columns)
        # Accepted on import beyond the exported columns: a lookup's id
        # column, input-only fields (a password). Shown but never written:
        # read-only fields and the timestamps.
        extra = [
            FlatColumn(name, FIELD, name, field)
            for name, field in self.inputs.items()
            if name not in {column.field for column in columns}
            and name not in resource.nesting
            and name not in resource.lookups
        ]
        self.accepted: tuple[FlatColumn, ...] = (*self.columns, *extra)
        self.ignored = frozenset(
            fold(name)
            for name in (*resource.columns, *TIMESTAMPS, *resource.computed)
            if name not in self.inputs and name != resource.primary_key
        )

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @cached_property
    def _by_fold(self) -> dict[str, FlatColumn]:
        found: dict[str, FlatColumn] = {}
        for column in self.accepted:
            for name in (
                column.header,
                column.label,
                column.field if column.kind != NESTED else "",
            ):
                if name and fold(name) not in found:
                    found[fold(name)] = column
        return found

    def match(self, headers: Iterable[str]) -> tuple[list[FlatColumn | None], list[str], list[str]]:
        """(the column of each header or None, unknown headers, ignored
        read-only headers); a header given twice is a ValueError."""
        matched: list[FlatColumn | None] = []
        unknown: list[str] = []
        ignored: list[str] = []
        seen: dict[str, str] = {}
        for header in headers:
            key = fold(header)
            column = self._by_fold.get(key) if key else None
            if column is None:
                matched.append(None)
                if key in self.ignored:
                    ignored.append(header)
                elif key:
                    unknown.append(header)
                continue
            if column.header in seen:
                raise ValueError(
                    f"The columns {seen[column.header]!r} and {header!r} both mean "
                    f"{column.header}; keep one."
                )
            seen[column.header] = header
            matched.append(column)
        return matched, unknown, ignored


# Identity ---------------------------------------------------------------------


def identity_fields(resource: Resource) -> tuple[str, ...]:
    """The fields an import finds an existing record by: the resource's own
    single unique field (a computer's hostname before the asset's number, a
    machine number, a vendor's name), else a unique group of fields it writes
    (an edge's source, target and type), else the primary key."""
    writable = set(resource.writable)
    tables = [resource.model.__table__]
    if resource.columns is not None and "assetnumber" in resource.columns:
        from shopdb.models import Asset  # the asset's number comes after the extension's own

        if resource.model.__table__ is not Asset.__table__:
            tables.append(Asset.__table__)
    groups = [group for table in tables for group in unique_groups(table)]
    for group in groups:
        if len(group) == 1 and group[0] in writable:
            return group
    for group in groups:
        if all(name in writable for name in group):
            return group
    return (resource.primary_key,)


def example_row(resource: Resource, layout: Layout, body: dict[str, Any]) -> dict[str, Any]:
    """The flat row of a create body (`Resource.sample`), for the template."""
    row: dict[str, Any] = {}
    for column in layout.columns:
        if column.kind == KEY:
            row[column.header] = ""
        elif column.kind == NESTED:
            value = body.get(column.field)
            rows = value if isinstance(value, list) else [value] if value else []
            row[column.header] = ROW_SEPARATOR.join(
                "" if item.get(column.child) is None else str(item.get(column.child))
                for item in rows
            )
        elif column.kind == NAME and column.lookup is not None:
            row[column.header] = body.get(column.field, body.get(column.lookup.idfield, ""))
        else:
            row[column.header] = body.get(column.field, "")
    return row
