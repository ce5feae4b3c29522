"""Nested records: rows of another table shown inside a resource's record and
written in the same request.

`HasOne` is an optional detail row keyed by the parent (a machine's FOCAS
settings); `HasMany` is a set of child rows matched by a natural key (a
computer's network interfaces). The parent model (the resource's model; for an
asset extension, the extension's model) reaches the child through one
SQLAlchemy relationship, which the framework finds by the child's class:

    class Equipment(TimestampMixin, Base):
        ...
        focas: Mapped[EquipmentFocas | None] = relationship()

    Resource(Equipment, asset_type="equipment", nested={"focas": HasOne(EquipmentFocas)})

From a declaration come the nested output (one `selectinload` query per
declaration for a whole list page), input schemas built from the child's
columns exactly as the resource's own are, and writes planned here (`plan`)
and made with the parent's batch (`shopdb.resources.batch`), so that every
child row is checked (references, unique values) and audited under its own
table in the parent's transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from marshmallow import ValidationError, fields
from sqlalchemy import Column, ColumnElement, Exists, inspect, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import LoaderOption

from shopdb.errors import InvalidInputError
from shopdb.resources.batch import Row
from shopdb.resources.schemas import (
    TIMESTAMPS,
    InputSchema,
    ModelSchema,
    camel,
    check_rules,
    input_field,
    input_fields,
)
from shopdb.services import records

if TYPE_CHECKING:
    from shopdb.models import Base


# Declarations --------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HasOne:
    """A detail row keyed by the parent, shown as an object or null.

    Writing an object creates the row (then every required field is needed)
    or changes the fields sent; null deletes the row; leaving the key out
    leaves it alone. `required` makes the row part of every record: needed on
    create, never null. `hidden` child fields are neither shown nor written;
    `field_rules` refine the child's input fields as `Resource.field_rules` do.
    """

    model: type[Base]
    required: bool = False
    hidden: Sequence[str] = ()
    field_rules: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class HasMany:
    """A set of child rows, shown as a list ordered by the child's key column.

    Writing a list makes the set equal to it, matching rows by the natural
    `key` (one field name or several): rows whose key is not listed are
    deleted, new keys are created, and a row that matches gets the fields sent
    (an unchanged row is not written, so re-sending the same list writes and
    audits nothing). Leaving the key out leaves the rows alone; [] removes all.
    """

    model: type[Base]
    key: str | Sequence[str] = ()
    hidden: Sequence[str] = ()
    field_rules: Mapping[str, Any] = field(default_factory=dict)


# Fields --------------------------------------------------------------------------


class RowList(fields.List):
    """A list of nested rows.

    On input each item is validated whole, even inside a partial (PATCH) load,
    because an item stands for a row that may not exist yet, and no two items
    may share the `key`. On output rows are ordered by the `order` attribute.
    """

    def __init__(
        self, inner: fields.Field, *, key: Sequence[str] = (), order: str = "", **kwargs: Any
    ) -> None:
        super().__init__(inner, **kwargs)
        self.key = tuple(key)
        self.order = order

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None and self.order:
            value = sorted(value, key=attrgetter(self.order))
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        kwargs.pop("partial", None)
        items = cast("list[Any]", super()._deserialize(value, attr, data, **kwargs))
        first: dict[tuple, int] = {}
        errors: dict[int, dict[str, list[str]]] = {}
        for index, item in enumerate(items):
            found = tuple(item.get(name) for name in self.key)
            if found in first:
                message = f"Repeats item {first[found]}; each item needs its own value here."
                errors[index] = {name: [message] for name in self.key}
            else:
                first[found] = index
        if errors:
            raise ValidationError(errors)
        return items


class NestedInputSchema(InputSchema):
    not_an_object = "Must be a JSON object."


# A declaration bound to its resource ---------------------------------------------


class NestedPart:
    """One `HasOne` or `HasMany` of one resource: the relationship that reaches
    the children, their schemas, and their writes."""

    def __init__(
        self, owner: str, parent: type[Base], name: str, declaration: HasOne | HasMany
    ) -> None:
        if not isinstance(declaration, HasOne | HasMany):
            raise ValueError(
                f"resource {owner!r}: nested {name!r} must be HasOne(model) or "
                "HasMany(model, key=...)."
            )
        what = f"resource {owner!r} nested {name!r}"
        self.name = name
        self.declaration = declaration
        self.many = isinstance(declaration, HasMany)
        self.model = declaration.model
        self.table = self.model.__table__
        self.columns: dict[str, Column] = {column.key: column for column in self.table.columns}
        keys = [column.key for column in self.table.primary_key]
        if len(keys) != 1:
            raise ValueError(f"{what}: {self.model.__name__} needs a single-column primary key.")
        self.primary_key = keys[0]
        self._bind_relationship(what, parent)
        unknown = [column for column in declaration.hidden if column not in self.columns]
        if unknown:
            raise ValueError(f"{what} hides fields {self.model.__name__} lacks: {unknown}")
        fixed = {self.primary_key, self.foreign_key, *TIMESTAMPS, *declaration.hidden}
        self.writable = [column for column in self.columns if column not in fixed]
        self.key: tuple[str, ...] = ()
        if isinstance(declaration, HasMany):
            key = declaration.key
            self.key = (key,) if isinstance(key, str) else tuple(key)
            wrong = [column for column in self.key if column not in self.writable]
            if not self.key or wrong:
                raise ValueError(
                    f"{what} needs key= naming the writable field(s) of "
                    f"{self.model.__name__} that tell its rows apart (e.g. key='macaddress')"
                    + (f"; not {wrong}" if wrong else "")
                )
        check_rules(what, declaration.field_rules, self.writable)
        self._build_schemas(camel(owner) + camel(name))

    def _bind_relationship(self, what: str, parent: type[Base]) -> None:
        mapper = inspect(parent)
        found = [prop for prop in mapper.relationships if prop.mapper.class_ is self.model]
        child = self.model.__name__
        if len(found) != 1:
            shape = f"list[{child}]" if self.many else f"{child} | None"
            raise ValueError(
                f"{what}: {parent.__name__} needs exactly one relationship to {child} "
                f"(e.g. {self.name}: Mapped[{shape}] = relationship()); found {len(found)}."
            )
        prop = found[0]
        pairs = prop.local_remote_pairs or []
        if prop.secondary is not None or len(pairs) != 1:
            raise ValueError(
                f"{what}: the relationship {parent.__name__}.{prop.key} must join on one "
                f"foreign key column of {child} pointing at {parent.__name__}'s key."
            )
        if prop.uselist != self.many:
            raise ValueError(
                f"{what}: {parent.__name__}.{prop.key} is "
                f"{'a list' if prop.uselist else 'a single row'}; use "
                f"{'HasMany' if prop.uselist else 'HasOne'} or change the relationship."
            )
        ((parent_column, child_column),) = pairs
        self.parent_column = cast(Column, parent_column)
        self.child_column = cast(Column, child_column)
        self.attribute = prop.key
        self.parent_key = mapper.get_property_by_column(self.parent_column).key
        self.foreign_key = self.child_column.key
        if not self.many and not (
            child_column.key == self.primary_key
            or (child_column.key,) in records.unique_groups(self.table)
        ):
            raise ValueError(
                f"{what}: {child}.{child_column.key} must be the primary key (or unique) "
                "so that a parent has at most one row."
            )

    def _build_schemas(self, base: str) -> None:
        hidden = set(self.declaration.hidden) | {self.foreign_key, *TIMESTAMPS}
        if not self.many:
            hidden.add(self.primary_key)
        meta = type(
            "Meta",
            (),
            {
                "model": self.model,
                "include_fk": True,
                "exclude": tuple(sorted(name for name in hidden if name in self.columns)),
                "dump_only": (self.primary_key,) if self.many else (),
            },
        )
        self.output = type(f"{base}Schema", (ModelSchema,), {"Meta": meta})
        generated = self.output().fields
        rules = self.declaration.field_rules
        attributes = input_fields(generated, self.writable, rules)
        for name in self.key:  # a row is found by its key: never optional, never null
            attributes[name] = input_field(generated[name], name, True, rules.get(name))
            attributes[name].allow_none = False
        self.required_fields = [name for name, item in attributes.items() if item.required]
        optional = {}
        for name, item in attributes.items():
            optional[name] = copy.copy(item)
            optional[name].required = False
        # (marshmallow takes the fields out of the dict a schema class is made from)
        self.create_schema = type(f"{base}InputSchema", (NestedInputSchema,), attributes)
        self.update_schema = type(f"{base}UpdateSchema", (NestedInputSchema,), optional)
        self._shown = self.output()

    # Fields of the parent's schemas --------------------------------------------------

    def _describe(self) -> str:
        child = self.table.name
        if self.many:
            return (
                f"Rows of {child}, matched by {', '.join(self.key)}: the list sent replaces "
                "the set; [] removes all; leave it out to keep them."
            )
        return (
            f"The {child} row: an object creates it or changes the fields sent; null "
            "deletes it; leave it out to keep it."
        )

    def output_field(self) -> fields.Field:
        if self.many:
            return RowList(
                fields.Nested(self.output),
                attribute=self.attribute,
                order=self.primary_key,
                required=True,
            )
        return fields.Nested(self.output, attribute=self.attribute, allow_none=True, required=True)

    def create_field(self) -> fields.Field:
        metadata = {"description": self._describe()}
        if self.many:
            return RowList(fields.Nested(self.create_schema), key=self.key, metadata=metadata)
        required = getattr(self.declaration, "required", False)
        return fields.Nested(
            self.create_schema, required=required, allow_none=not required, metadata=metadata
        )

    def update_field(self) -> fields.Field:
        if self.many:
            return self.create_field()
        metadata = {"description": self._describe() + " Fields not sent keep their value."}
        required = getattr(self.declaration, "required", False)
        return fields.Nested(self.update_schema, allow_none=not required, metadata=metadata)

    # Reading ----------------------------------------------------------------------

    def load_option(self, parent: type[Base]) -> LoaderOption:
        """One query per list page (or lookup) for every parent's children."""
        return selectinload(getattr(parent, self.attribute))

    def having(self, *conditions: ColumnElement[bool]) -> Exists:
        """Whether the parent has a child row meeting every condition: a
        correlated EXISTS, so that filtering or searching by children neither
        repeats a parent once per matching child nor costs a query."""
        return (
            select(self.child_column)
            .where(self.child_column == self.parent_column, *conditions)
            .correlate(self.parent_column.table)
            .exists()
        )

    def rows(self, instance: Any) -> list[Any]:
        value = getattr(instance, self.attribute)
        if self.many:
            return sorted(value, key=attrgetter(self.primary_key))
        return [] if value is None else [value]

    def shown(self, rows: list[Any]) -> Any:
        """The children as the record shows them."""
        dumped = self._shown.dump(rows, many=True)
        return dumped if self.many else (dumped[0] if dumped else None)

    # Writing ----------------------------------------------------------------------

    def check(self, instance: Any, value: Any) -> None:
        """Before anything is written: an object that would create the
        one-to-one row must carry every field a new row needs (a PATCH body
        is partial, so its schema could not tell)."""
        if self.many or value is None:
            return
        if instance is not None and getattr(instance, self.attribute) is not None:
            return
        missing = [name for name in self.required_fields if name not in value]
        if missing:
            raise InvalidInputError(
                f"There is no {self.name} yet, so it needs {', '.join(missing)}; see details.",
                {self.name: {name: ["Missing data for required field."] for name in missing}},
            )

    def plan(self, instance: Any, value: Any, parent: Row) -> tuple[list[Any], list[Row]]:
        """(the rows to delete, the rows to insert or change) that make the
        children match `value`. `instance` is the record (None when it is new:
        its `parent` row is inserted first and gives the key). An unchanged
        row is not written."""
        existing = [] if instance is None else self.rows(instance)

        def new(item: dict[str, Any], path: tuple[Any, ...]) -> Row:
            if instance is None:
                return Row(
                    self.model,
                    dict(item),
                    parent=parent,
                    link=self.foreign_key,
                    parent_key=self.parent_key,
                    path=path,
                )
            fixed = {self.foreign_key: getattr(instance, self.parent_key)}
            return Row(self.model, dict(item), fixed=fixed, path=path)

        def changed(row: Any, item: dict[str, Any], path: tuple[Any, ...]) -> list[Row]:
            values = records.changed_values(row, item)
            return [Row(self.model, values, row, path=path)] if values else []

        if not self.many:
            row = existing[0] if existing else None
            if value is None:
                return ([] if row is None else [row]), []
            if row is None:
                return [], [new(value, (self.name,))]
            return [], changed(row, value, (self.name,))
        wanted: dict[tuple, tuple[int, dict[str, Any]]] = {}
        for index, item in enumerate(value):
            found = tuple(item.get(name) for name in self.key)
            if found in wanted:
                raise InvalidInputError(
                    f"Two {self.name} items have the same {', '.join(self.key)}; see details.",
                    {self.name: {index: {name: ["Repeats an earlier item."] for name in self.key}}},
                )
            wanted[found] = (index, item)
        by_key = {tuple(getattr(row, name) for name in self.key): row for row in existing}
        # Deleted first: a new row may take a unique value an old one gives up.
        deletes = [row for found, row in by_key.items() if found not in wanted]
        rows: list[Row] = []
        for found, (index, item) in wanted.items():
            row = by_key.get(found)
            path = (self.name, index)
            rows += [new(item, path)] if row is None else changed(row, item, path)
        return deletes, rows

    def settle(self, record: Any, rows: list[Any]) -> None:
        """Show the children as written, without reading them again."""
        rows = sorted(rows, key=attrgetter(self.primary_key))
        set_committed_value(record, self.attribute, rows if self.many else (rows or [None])[0])

    def remove_all(self, session: Session, instance: Any) -> None:
        """Delete every child (each audited), before a permanent delete of the parent."""
        for row in self.rows(instance):
            self._delete(session, row)
        session.expire(instance, [self.attribute])

    def _delete(self, session: Session, row: Any) -> None:
        def remove() -> str:
            rowid = getattr(row, self.primary_key)
            records.refuse_if_referenced(session, row, f"{self.table.name} {rowid}")
            session.delete(row)
            return "delete"

        records.delete_record(session, row, remove)
