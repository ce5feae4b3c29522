"""Lookups named in replies: beside each field that holds another row's id
(`assetstatusid`), list and detail replies carry a brief object naming that
row (`"assetstatus": {"id": 3, "name": "In service"}`), so a client shows
names without asking once per id.

What is named comes from the declaration alone: every foreign key among the
resource's shown columns. The object's key is the field without its `id`
(`sourceassetid` -> `sourceasset`), unless the resource already has a field
of that name; the name is the referenced table's label column (see
`label_column`; a row of an asset extension is named by its asset's
number). A page of rows is named with one statement, whatever its size
and however many tables it references: a UNION ALL of one SELECT per
referenced table (fields that point at the same table, `sourceassetid` and
`targetassetid`, share theirs).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, missing
from sqlalchemy import (
    Column,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    cast,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session


class LookupNameSchema(Schema):
    """The brief object that names a referenced row."""

    id = fields.Integer(required=True, metadata={"description": "The id, as in the id field"})
    name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The row's label (its name column)"},
    )


class LookupNameField(fields.Nested):
    """Documents the name object in the OpenAPI document; dumping a record
    leaves it out (reading the relation would ask once per row), and
    `name_lookups` fills it in for a whole page."""

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        return missing


@dataclass(frozen=True)
class LookupName:
    """One id field of a resource and how its row is named."""

    field: str  # the id field ("assetstatusid")
    key: str  # the reply's key for the name object ("assetstatus")
    idcolumn: Column  # the referenced key column
    label: Column  # the referenced label column

    def output_field(self) -> fields.Field:
        table = self.label.table.name
        return LookupNameField(
            LookupNameSchema,
            dump_only=True,
            allow_none=True,
            metadata={
                "description": (
                    f"Names the row {self.field} points at: its id and {table}.{self.label.key} "
                    "(null when the id is null)"
                )
            },
        )


def singular(table: str) -> str:
    for ending, replaced in (("ies", "y"), ("ses", "s"), ("s", "")):
        if table.endswith(ending):
            return table[: -len(ending)] + replaced
    return table


def label_column(table: Table) -> Column | None:
    """The column that names a row of `table`, by the contract's naming
    rules: the column named after the table's singular (`vendors.vendor`,
    `assetstatuses.assetstatus`); else the first text column that is unique
    and required (`assets.assetnumber`, `users.username`); else `name` or
    `title`; else the first text column that is no key; else None."""
    texts = [
        column
        for column in table.columns
        if isinstance(column.type, String) and not column.foreign_keys and not column.primary_key
    ]
    by_name = {column.key: column for column in texts}
    for name in (singular(table.name), table.name):
        if name in by_name:
            return by_name[name]
    unique = {
        next(iter(constraint.columns)).key
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1
    }
    for column in texts:
        if not column.nullable and (column.unique or column.key in unique):
            return column
    for name in ("name", "title"):
        if name in by_name:
            return by_name[name]
    return texts[0] if texts else None


def lookup_names(
    columns: Mapping[str, Column], hidden: Sequence[str], taken: Iterable[str]
) -> dict[str, LookupName]:
    """The named lookups of a resource with these columns, by id field."""
    taken = set(taken)
    found: dict[str, LookupName] = {}
    for name, column in columns.items():
        if name in hidden or not name.endswith("id") or len(name) <= 2:
            continue
        key = name[:-2]
        if key in taken or key in found:
            continue
        for foreign in column.foreign_keys:
            target: Column = foreign.column
            for _ in range(3):  # an asset extension's row is named as its asset
                if not (target.primary_key and target.foreign_keys):
                    break
                target = next(iter(target.foreign_keys)).column
            label = label_column(target.table)
            if label is not None:
                found[name] = LookupName(name, key, target, label)
                break
    return found


@functools.cache
def _names_query(referenced: tuple[tuple[Column, Column], ...]) -> Any:
    """The statement that names a page's rows: one SELECT per referenced
    (key column, label column), UNION ALL, each taking its ids as the
    expanding parameter `ids<n>`. Built once per declaration: building it
    per request cost more than running it."""
    parts = [
        select(
            literal_column(str(number), Integer).label("part"),
            idcolumn.label("id"),
            cast(label, String).label("name"),
        ).where(idcolumn.in_(bindparam(f"ids{number}", expanding=True)))
        for number, (idcolumn, label) in enumerate(referenced)
    ]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def name_lookups(
    session: Session, names: Mapping[str, LookupName], rows: Sequence[dict[str, Any]]
) -> None:
    """Add the name objects to dumped rows: one statement for the page (a
    UNION ALL of one SELECT per referenced table), none for an empty page."""
    if not names or not rows:
        return
    # Every referenced table is asked, even when no row of the page points
    # at it: the statements of a page then depend on the declaration alone,
    # not on which ids its rows happen to hold.
    wanted: dict[Column, set[Any]] = {}
    labels: dict[Column, Column] = {}
    for lookup in names.values():
        labels[lookup.idcolumn] = lookup.label
        ids = wanted.setdefault(lookup.idcolumn, set())
        for row in rows:
            value = row.get(lookup.field)
            if value is not None:
                ids.add(value)
    keys = list(wanted)
    query = _names_query(tuple((idcolumn, labels[idcolumn]) for idcolumn in keys))
    values = {f"ids{number}": sorted(wanted[idcolumn]) for number, idcolumn in enumerate(keys)}
    found: dict[Column, dict[Any, Any]] = {idcolumn: {} for idcolumn in keys}
    for part, key, label in session.execute(query, values):
        found[keys[part]][key] = label
    for row in rows:
        for lookup in names.values():
            if lookup.field not in row:
                continue
            value = row[lookup.field]
            if value is None:
                row[lookup.key] = None
                continue
            label = found[lookup.idcolumn].get(value)
            row[lookup.key] = {"id": value, "name": None if label is None else str(label)}
