"""Lookups shown by name: a foreign key's id on a page becomes the label of
the row it points at, with a link to that row's page.

Labels for a whole page of rows come in one query per referenced table,
whatever the page size, so a list page never asks once per row. A form's
select offers every row of a small lookup table; a large one (assets) is
searched as the user types, through the referenced resource's REST list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, String, Table, select
from sqlalchemy.orm import Session

from shopdb.resources.definition import Resource

# A select lists every row of a referenced table up to this many; above it,
# the user types and the options come from the REST list's `q`.
OPTIONS_LIMIT = 300


def title_field(resource: Resource) -> str:
    """The field that names a record of `resource`: the first declared list
    column (then any column) that holds text and is no key, else the key."""
    columns = resource.columns
    for name in (*resource.list_columns, *columns):
        column = columns.get(name)
        if (
            column is not None
            and isinstance(column.type, String)
            and not column.foreign_keys
            and name not in resource.hidden
        ):
            return name
    return resource.primary_key


@dataclass(frozen=True)
class Reference:
    """A field of one resource that points at a row of another (or the same)."""

    field: str
    target: Resource
    key: Column
    label: Column

    @property
    def searchable(self) -> bool:
        """Whether the target's REST list takes `q` (a large table's select
        needs it to search as the user types)."""
        return bool(self.target.search)


class Lookups:
    """The references of every resource of one app, found from the foreign
    keys of its columns and the resources that serve the referenced tables."""

    def __init__(self, resources: Mapping[str, Resource]) -> None:
        self.by_table: dict[Table, Resource] = {}
        for resource in resources.values():
            # An asset extension's rows are assets: links to an asset go to
            # the core asset resource, which serves the assets table itself.
            self.by_table.setdefault(resource.model.__table__, resource)
        self.references: dict[str, dict[str, Reference]] = {
            name: self._references(resource) for name, resource in resources.items()
        }

    def _references(self, resource: Resource) -> dict[str, Reference]:
        found = {}
        for name, column in resource.columns.items():
            if name in resource.hidden:
                continue
            for key in column.foreign_keys:
                target = self.by_table.get(key.column.table)  # type: ignore[arg-type]
                if target is None:
                    continue
                label = target.columns[title_field(target)]
                keycolumn: Column = key.column  # type: ignore[assignment]
                if label.table is not keycolumn.table:
                    # An asset extension named by its asset's number: the
                    # asset row has the same id, so look the label up there.
                    (keycolumn,) = label.table.primary_key.columns  # type: ignore[attr-defined]
                found[name] = Reference(name, target, keycolumn, label)
                break
        return found

    def of(self, resource: Resource) -> dict[str, Reference]:
        return self.references.get(resource.name, {})

    def labels(
        self, session: Session, resource: Resource, rows: Iterable[Mapping[str, Any]]
    ) -> dict[str, dict[Any, str]]:
        """{field: {id: label}} for the references in `rows`: one query per
        referenced table, for every field that points at it."""
        references = self.of(resource)
        wanted: dict[Column, set[Any]] = defaultdict(set)
        for row in rows:
            for name, reference in references.items():
                value = row.get(name)
                if value is not None:
                    wanted[reference.key].add(value)
        found: dict[Column, dict[Any, str]] = {}
        for key, ids in wanted.items():
            label = next(each.label for each in references.values() if each.key is key)
            query = select(key, label).where(key.in_(sorted(ids)))
            found[key] = {row[0]: str(row[1]) for row in session.execute(query)}
        return {name: found.get(reference.key, {}) for name, reference in references.items()}

    def options(self, session: Session, reference: Reference) -> list[tuple[Any, str]] | None:
        """Every row of a small referenced table as (id, label), by label;
        None when it has more than OPTIONS_LIMIT rows (search instead)."""
        query = (
            select(reference.key, reference.label)
            .order_by(reference.label, reference.key)
            .limit(OPTIONS_LIMIT + 1)
        )
        rows = [(row[0], str(row[1])) for row in session.execute(query)]
        return None if len(rows) > OPTIONS_LIMIT else rows

    def label_of(self, session: Session, reference: Reference, value: Any) -> str | None:
        if value is None:
            return None
        query = select(reference.label).where(reference.key == value)
        found = session.scalar(query)
        return None if found is None else str(found)
