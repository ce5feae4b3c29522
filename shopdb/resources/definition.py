"""The resource declaration: everything the framework needs to know about one
model to build its REST endpoints, OpenAPI entries, permissions, audit, search
and (later) UI pages.

A resource overrides small hooks (`prepare`, `detail`, `remove`, ...) for the
rare rule the generic path cannot know; everything else is data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy import Select, inspect
from sqlalchemy.orm import Session

from shopdb.services.access import Access
from shopdb.services.records import refuse_if_referenced

if TYPE_CHECKING:
    from shopdb.models import Base


@dataclass(eq=False)
class Resource:
    """One model exposed through the API (and, later, the UI).

    `filters` are fields callers may filter on by equality; numeric and date
    fields also get `<field>min` and `<field>max`. `search` lists (field,
    weight) pairs for the free-text `q`, heavier first in the ranking.
    `create_only` fields are accepted when creating and fixed afterwards.
    `form_fields` defaults to every writable column, in table order.
    `extra_input` adds or replaces input fields (a write-only password);
    `output_fields` replaces generated output fields; `detail_fields` documents
    what `detail()` adds to single-object replies.
    """

    model: type[Base]
    name: str = ""
    label: str = ""
    filters: Sequence[str] = ()
    sort: Sequence[str] = ()
    default_sort: str = ""
    search: Sequence[tuple[str, int]] = ()
    read: Access = Access.ASSET_READ
    write: Access = Access.EDITOR
    list_columns: Sequence[str] = ()
    form_fields: Sequence[str] = ()
    read_only: Sequence[str] = ()
    create_only: Sequence[str] = ()
    hidden: Sequence[str] = ()
    extra_input: dict[str, Any] = field(default_factory=dict)
    detail_fields: dict[str, Any] = field(default_factory=dict)
    output_fields: dict[str, Any] = field(default_factory=dict)
    allow_create: bool = True
    allow_update: bool = True
    allow_delete: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        mapper = inspect(self.model)
        self.name = self.name or self.model.__tablename__
        self.label = self.label or self.name
        (self.primary_key,) = [column.key for column in mapper.primary_key]
        self.default_sort = self.default_sort or self.primary_key
        self.description = self.description or (self.model.__doc__ or "").strip()
        self.sort = tuple(self.sort) or (self.primary_key,)
        known = set(mapper.columns.keys())
        for group in (self.filters, self.sort, self.read_only, self.hidden, self.list_columns):
            unknown = [name for name in group if name not in known]
            if unknown:
                raise ValueError(
                    f"resource {self.name!r} names fields its model lacks: {', '.join(unknown)}"
                )
        if not self.form_fields:
            fixed = {self.primary_key, "createdat", "modifiedat", *self.read_only, *self.hidden}
            self.form_fields = (
                *(column.key for column in mapper.columns if column.key not in fixed),
                *self.extra_input,
            )
        writable = known | set(self.extra_input)
        unknown = [name for name in self.form_fields if name not in writable]
        if unknown:
            raise ValueError(f"resource {self.name!r} has unknown form fields: {unknown}")
        unknown = [name for name, _ in self.search if name not in known]
        if unknown:
            raise ValueError(f"resource {self.name!r} searches unknown fields: {unknown}")

    @property
    def entitytype(self) -> str:
        return self.model.__tablename__

    # Hooks -------------------------------------------------------------------
    # Each receives the session; the generic endpoints own the transaction.

    def scope(self, query: Select) -> Select:
        """Narrow every list and lookup (e.g. a user sees only its own tokens)."""
        return query

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        """Turn validated input into column values (hash a password, ...)."""
        return values

    def after_create(self, session: Session, instance: Any) -> dict[str, Any]:
        """Extra fields for the create reply only (a token shown once)."""
        return {}

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        """Add computed parts to a single-object reply (position, relationships)."""
        return data

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        """Delete the row unless others reference it; returns the audit action.
        Assets override this to retire instead."""
        itemid = getattr(instance, self.primary_key)
        refuse_if_referenced(session, instance, f"{self.name} {itemid}")
        session.delete(instance)
        return "delete"

    def extra_routes(self, blueprint: Blueprint, output_schema: type[Schema]) -> None:
        """Register routes beyond the generic five (a location tree, ...)."""
