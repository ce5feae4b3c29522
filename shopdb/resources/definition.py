"""The resource declaration: everything the framework needs to know about one
model to build its REST endpoints, OpenAPI entries, permissions, audit, search
and (later) UI pages.

A resource overrides small hooks (`prepare`, `detail`, `remove`, ...) for the
rare rule the generic path cannot know; everything else is data. The record
methods (`select`, `find`, `create`, `update`, `delete`, ...) are what the
endpoints call for every resource; where the records live (one table, an
asset, or an asset and its extension row) is the business of
`shopdb.resources.storage`.

`save`, `save_many` and `delete` are the one write path: the REST views,
collector pushes, lookups created by name, commands and (later) UI forms and
imports all write through them, inside a unit of work
(`shopdb.services.unitofwork`) that the interface opens and commits. `save`
is a batch of one; every batch is written set-based (`shopdb.resources.batch`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from flask_smorest import Blueprint
from marshmallow import Schema
from marshmallow import ValidationError as FieldErrors
from sqlalchemy import Column, ColumnElement, Select, inspect
from sqlalchemy.orm import ColumnProperty, Session

from shopdb.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ShopDBError,
    StaleRecordError,
)
from shopdb.resources.batch import (
    CREATED,
    NOOP,
    RECORD_ERRORS,
    UPDATED,
    Saved,
    write_batch,
)
from shopdb.resources.byname import ByName, NameLookup
from shopdb.resources.naming import lookup_names
from shopdb.resources.nested import HasMany, HasOne, NestedPart
from shopdb.resources.queries import Conditions, FilterBy, bind_filters, bind_search
from shopdb.resources.samples import sample_body
from shopdb.resources.schemas import (
    MAXIMUM_ID,
    TIMESTAMPS,
    ResourceSchemas,
    build_schemas,
    check_rules,
)
from shopdb.resources.searchindex import refresh as refresh_search_index
from shopdb.resources.searchindex import reindexed
from shopdb.resources.storage import AssetExtensionStorage, AssetStorage, TableStorage
from shopdb.services.access import Access
from shopdb.services.actor import Actor, acting
from shopdb.services.records import known, refuse_if_referenced

if TYPE_CHECKING:
    from shopdb.models import Base
    from shopdb.resources.storedimages import StoredImage

# What an asset class edits for many records at once unless it says otherwise.
ASSET_BULK_FIELDS = ("assetstatusid", "locationid", "businessunitid")


def computed_columns(resource: Resource) -> dict[str, ColumnElement[Any]]:
    """The SQL expressions of the resource's `computed` fields, or a
    ValueError naming the field that is not a computed attribute."""
    mapper = inspect(resource.model)
    found: dict[str, ColumnElement[Any]] = {}
    for name in resource.computed:
        prop = mapper.attrs.get(name)
        expression = prop.expression if isinstance(prop, ColumnProperty) else None
        if expression is None or isinstance(expression, Column) or name in resource.columns:
            raise ValueError(
                f"resource {resource.name!r}: the computed field {name!r} must be a "
                f"column_property of {resource.model.__name__} over a SQL expression, "
                "not a column."
            )
        # column_property coerces what it is given to a column expression.
        found[name] = cast("ColumnElement[Any]", expression)
    return found


@dataclass(eq=False)
class Resource:
    """One model exposed through the API (and, later, the UI).

    `filters` are fields callers may filter on by equality (a repeated
    parameter: any of the values); numeric and date fields also get
    `<field>min` and `<field>max`. `search` lists (field, weight) pairs for
    the free-text `q`, heavier first in the ranking. Both may name a field of
    a nested part's rows (`"interfaces.macaddress"`, matched through EXISTS);
    a filter takes the field's last name as its parameter, or a (parameter,
    field) pair names it (see `shopdb.resources.queries.bind_filters`); a
    (parameter, Conditions({...})) pair filters by named conditions
    (`?state=active`) instead of a field.
    `create_only` fields are accepted when creating and fixed afterwards.
    `form_fields` defaults to every writable column, in table order.
    `extra_input` adds or replaces input fields (a write-only password);
    `field_rules` refines the input field of a column, keeping what the column
    says (required, nullable, length): a field gives the type
    (`{"macaddress": MacAddress()}`), a validator adds a check
    (`{"spindles": validate.Range(min=0)}`); `output_fields` replaces
    generated output fields; `detail_fields` documents what `detail()` adds to
    single-object replies.

    `nested` shows rows of other tables inside the record and writes them with
    it: `{"focas": HasOne(EquipmentFocas)}` for a detail row keyed by the
    record, `{"interfaces": HasMany(ComputerInterface, key="macaddress")}` for
    a set of child rows (see `shopdb.resources.nested`).

    `by_name` lets a write name a lookup row instead of giving its id:
    `{"equipmenttype": ByName("equipmenttypeid", EquipmentType.equipmenttype,
    label="equipment type")}` adds the input field `equipmenttype`, resolved
    to `equipmenttypeid` before `prepare` (see `shopdb.resources.byname`).

    `asset_type` makes the resource an asset extension: its model is a
    plugin's table keyed by assetid, and each record is the asset of that type
    and the extension row as one flat object. Every field option may then
    name the asset's fields (`assetnumber`, `locationid`, ...) as well.

    `computed` names read-only fields the model computes in SQL
    (`column_property`, such as a next due date from the last calibration):
    every reply shows them, and `filters`, `sort` and `list_columns` may name
    them like columns (a `field_rules` entry checks their filter values).
    They are part of the one SELECT of a list, so a list filtered by one
    costs the same statements as any list.
    `permanent_delete` offers `?permanent=true` on DELETE (admins only; by
    default for asset records, which otherwise retire). `views` replaces the
    generic REST views with a subclass of
    `shopdb.resources.endpoints.ResourceViews` that overrides one step.
    `last_seen` names a time column each collector push stamps, even one
    that changes nothing (then without an audit entry). `search` is the one
    declaration of searchable fields: the list `q` reads it, and so does
    `BasePlugin.get_searchable_fields()` by default (the global search).
    `search_index` says whether `q` and the global search read the search
    index (ADR 0015, `shopdb.resources.searchindex`): by default every
    resource of asset data that searches; lookup tables, whose rows seeds
    write, say False and are scanned.
    `stored_images` declares uploaded images of the records (a location's
    floor plan, `shopdb.resources.storedimages.StoredImage`): each gets PUT,
    GET and DELETE routes and the web UI's upload form, and its file goes
    when the record is deleted.
    """

    model: type[Base]
    name: str = ""
    label: str = ""
    filters: Sequence[str | tuple[str, str] | tuple[str, Conditions] | tuple[str, FilterBy]] = ()
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
    field_rules: dict[str, Any] = field(default_factory=dict)
    nested: dict[str, HasOne | HasMany] = field(default_factory=dict)
    by_name: dict[str, ByName] = field(default_factory=dict)
    detail_fields: dict[str, Any] = field(default_factory=dict)
    output_fields: dict[str, Any] = field(default_factory=dict)
    allow_create: bool = True
    allow_update: bool = True
    allow_delete: bool = True
    description: str = ""
    asset_type: str = ""
    computed: Sequence[str] = ()
    permanent_delete: bool | None = None
    views: type | None = None
    last_seen: str = ""
    bulk: Sequence[str] | None = None
    search_index: bool | None = None
    stored_images: Sequence[StoredImage] = ()

    def __post_init__(self) -> None:
        self.name = self.name or self.model.__tablename__
        self.label = self.label or self.name
        self.storage = self._storage_class()(self)
        if self.last_seen and self.last_seen not in self.storage.columns:
            raise ValueError(
                f"resource {self.name!r}: last_seen names {self.last_seen!r}, which is no column."
            )
        if self.permanent_delete is None:
            # Asset records retire on delete; an admin may delete them for good.
            self.permanent_delete = isinstance(self.storage, AssetStorage)
        (self.primary_key,) = [column.key for column in self.model.__table__.primary_key]
        self.default_sort = self.default_sort or self.primary_key
        self.description = self.description or (self.model.__doc__ or "").strip()
        self.sort = tuple(self.sort) or (self.primary_key,)
        if self.asset_type and "assettypeid" not in self.read_only:
            self.read_only = (*self.read_only, "assettypeid")  # fixed by the asset type
        self.detail_fields = {**self.storage.detail_fields(), **self.detail_fields}
        self.computed_columns = computed_columns(self)
        known = set(self.queryable)
        for group in (self.sort, self.read_only, self.hidden, self.list_columns):
            unknown = [name for name in group if name not in known]
            if unknown:
                raise ValueError(
                    f"resource {self.name!r} names fields its model lacks: {', '.join(unknown)}"
                )
        # A rule on a computed field checks its filter values (`OneOf` states).
        check_rules(f"resource {self.name!r}", self.field_rules, [*self.writable, *self.computed])
        clashes = sorted(set(self.nested) & (known | set(self.extra_input)))
        if clashes:
            raise ValueError(f"resource {self.name!r} nests under names of its fields: {clashes}")
        clashes = sorted(set(self.by_name) & (known | set(self.extra_input) | set(self.nested)))
        if clashes:
            raise ValueError(
                f"resource {self.name!r} has by_name fields named like its fields: {clashes}"
            )
        self.lookups = {
            name: NameLookup(
                f"resource {self.name!r}", name, declaration, self.columns, self.writable
            )
            for name, declaration in self.by_name.items()
        }
        fixed = [
            name for name, lookup in self.lookups.items() if lookup.idfield in self.create_only
        ]
        self.create_only = (*self.create_only, *fixed)  # a name is fixed with its id
        self.nesting = {
            name: NestedPart(self.name, self.model, name, declaration)
            for name, declaration in self.nested.items()
        }
        if not self.form_fields:
            self.form_fields = (*self.writable, *self.extra_input, *self.nested)
        writable = known | set(self.extra_input) | set(self.nested) | set(self.by_name)
        unknown = [name for name in self.form_fields if name not in writable]
        if unknown:
            raise ValueError(f"resource {self.name!r} has unknown form fields: {unknown}")
        if self.bulk is None:
            asset = isinstance(self.storage, AssetStorage)
            defaults = ASSET_BULK_FIELDS if asset else ()
            self.bulk = tuple(name for name in defaults if name in self.writable)
        unknown = [
            name
            for name in self.bulk
            if name not in self.writable or name in self.create_only or name in self.nested
        ]
        if unknown:
            raise ValueError(
                f"resource {self.name!r} has bulk fields that are no changeable column: {unknown}"
            )
        # The lookups replies name beside their ids (shopdb.resources.naming).
        self.named_lookups = lookup_names(
            self.columns,
            (self.primary_key, *self.hidden),
            {*known, *self.nested, *self.output_fields, *self.detail_fields},
        )
        self.list_filters = bind_filters(self)  # may name nested fields: after nesting
        self.search_fields = bind_search(self)

    def _storage_class(self) -> type[TableStorage]:
        if self.asset_type:
            return AssetExtensionStorage
        if self.model.__table__ is AssetStorage.table:
            return AssetStorage
        return TableStorage

    @property
    def entitytype(self) -> str:
        return self.model.__tablename__

    @property
    def entitytypes(self) -> tuple[str, ...]:
        """The audit entity types a record's writes are logged under (an
        asset extension writes the asset's row and its own)."""
        return self.storage.entitytypes

    @property
    def columns(self) -> Mapping[str, Column]:
        """Every field backed by a column, by name, in record order."""
        return self.storage.columns

    @property
    def queryable(self) -> Mapping[str, ColumnElement[Any]]:
        """Every field a list may filter, sort or search by: the columns,
        then the computed fields."""
        return {**self.storage.columns, **self.computed_columns}

    @property
    def writable(self) -> list[str]:
        """The columns a client may write, in record order."""
        fixed = {self.primary_key, *TIMESTAMPS, *self.read_only, *self.hidden}
        return [name for name in self.columns if name not in fixed]

    @property
    def nested_tables(self) -> frozenset[str]:
        return frozenset(part.table.name for part in self.nesting.values())

    def column(self, name: str) -> Column:
        """The column (or computed expression) a field name stands for, to
        filter, sort or search by."""
        try:
            return self.queryable[name]  # type: ignore[return-value]
        except KeyError:
            raise KeyError(f"resource {self.name!r} has no field {name!r}") from None

    @cached_property
    def schemas(self) -> ResourceSchemas:
        """Output, detail, create and update schemas, built once."""
        return build_schemas(self)

    # Records -----------------------------------------------------------------
    # Called by the endpoints for every resource, and usable outside a request
    # (collectors, imports): they take the session and never commit.

    def select(self) -> Select:
        """The base query of lists and lookups, before `scope`; nested rows
        come with it (one more query per nested declaration)."""
        query = self.storage.select()
        if self.nesting:
            query = query.options(*(part.load_option(self.model) for part in self.nesting.values()))
        return query

    def find(self, session: Session, itemid: int, *, lock: bool = False) -> Any | None:
        """The record with this primary key (within `scope`), or None."""
        if not 1 <= itemid <= MAXIMUM_ID:
            return None
        return self.find_by(session, self.primary_key, itemid, lock=lock)

    def get_row(self, session: Session, itemid: int, *, lock: bool = False) -> Any:
        """The record with this primary key, or NotFoundError naming the
        resource and the id: what every view, action and command that is
        handed an id needs."""
        instance = self.find(session, itemid, lock=lock)
        if instance is None:
            raise NotFoundError(f"There is no {self.name} row with id {itemid}.")
        return instance

    def find_many_by(
        self, session: Session, field: str, values: Sequence[Any], *, lock: bool = False
    ) -> dict[Any, Any]:
        """The records (within `scope`) whose `field` is one of `values`, by
        that value as stored: one query (and one per nested part) for a batch."""
        if not values:
            return {}
        query = self.scope(self.select().where(self.column(field).in_(list(values))))
        if lock:
            query = query.with_for_update(of=self.model)
        found = session.scalars(query).unique().all()
        return {self.storage.value(record, field): record for record in found}

    def find_by(
        self, session: Session, field: str, value: Any, *, lock: bool = False
    ) -> Any | None:
        """The first record (within `scope`) whose `field` equals `value`, or None.

        `lock` holds the record's row until the transaction ends, before its
        nested rows are read: writers of one record (and of its nested parts,
        which change only through it) then take turns on the server databases,
        so the last writer's list of interfaces is the list stored, not a mix.
        """
        query = self.scope(self.select().where(self.column(field) == value))
        if lock:
            query = query.with_for_update(of=self.model)
        return session.scalars(query.limit(1)).first()

    # The write path ------------------------------------------------------------

    def load(
        self, raw: Any, *, creating: bool, schemas: dict[bool, Schema] | None = None
    ) -> dict[str, Any]:
        """Raw input checked by the schema the REST API documents (create, or
        the partial update); a 400 naming each field at fault. `schemas`
        keeps the schema objects for the next records of a batch (making
        one costs more than loading a record with it)."""
        schemas = {} if schemas is None else schemas
        if creating not in schemas:
            schemas[creating] = (
                self.schemas.create() if creating else self.schemas.update(partial=True)
            )
        schema = schemas[creating]
        try:
            return dict(schema.load(raw))
        except FieldErrors as error:
            messages = error.messages
            details = messages if isinstance(messages, dict) else {"_schema": messages}
            raise InvalidInputError(
                "The record has invalid fields; see details.", details
            ) from None

    def save(
        self,
        session: Session,
        raw: Any,
        instance: Any | None = None,
        *,
        actor: Actor | None = None,
        validated: bool = False,
        version: str | None = None,
    ) -> Saved:
        """Create (no `instance`) or change one record: load `raw` with the
        REST schema (unless the caller's parser already did: `validated`),
        resolve names, `prepare`, check, write through the storage and audit
        as `actor` (default: the unit of work's). Never commits. A batch of
        one: the record's error is raised, a race as a 409 for the unit of
        work (`retrying`) to run again. `version` is the record's `version`
        when the caller read it: a record changed since is refused
        (StaleRecordError) instead of overwritten."""
        if version is not None and instance is not None:
            self.check_version(instance, version)
        with acting(session, actor):
            (result,) = self._save(session, [(raw, instance)], validated, alone=True)
        if isinstance(result, ShopDBError):
            raise result
        return result

    def save_many(
        self,
        session: Session,
        items: Sequence[tuple[Any, Any | None]],
        *,
        actor: Actor | None = None,
        validated: bool = False,
    ) -> list[Saved | ShopDBError]:
        """`save` of many records in the caller's one unit of work: each item
        is (raw input, the record to change or None to create). A record
        whose input or checks fail is left out and its place in the result
        holds the error, which names its fields; the others are written. A
        later item sees the earlier ones.

        The batch is written set-based (`shopdb.resources.batch`: statements
        per batch do not grow with its size) inside a savepoint. When the
        database refuses the bulk write (a unique value a concurrent writer
        has just committed, or one only its collation counts as equal), the
        savepoint is rolled back and the batch is written again one record at
        a time, each in a savepoint of its own: slower, and the record at
        fault gets the 409 it would have got alone."""
        with acting(session, actor):
            return self._save(session, items, validated, alone=False)

    def _save(
        self,
        session: Session,
        items: Sequence[tuple[Any, Any | None]],
        validated: bool,
        alone: bool,
    ) -> list[Saved | ShopDBError]:
        results: list[Saved | ShopDBError | None] = [None] * len(items)
        loaded: list[tuple[int, dict[str, Any], Any]] = []
        schemas: dict[bool, Schema] = {}
        for index, (raw, instance) in enumerate(items):
            try:
                creating = instance is None
                values = raw if validated else self.load(raw, creating=creating, schemas=schemas)
            except InvalidInputError as error:
                results[index] = error
                continue
            loaded.append((index, values, instance))
        for segment in _segments(loaded):
            outcomes = self._write(session, segment, alone)
            for (index, _values, _instance), outcome in zip(segment, outcomes, strict=True):
                results[index] = outcome
        done = [result for result in results if result is not None]
        self.written(session, [result for result in done if isinstance(result, Saved)])
        return done

    def _write(
        self, session: Session, segment: list[tuple[int, dict[str, Any], Any]], alone: bool
    ) -> list[Saved | ShopDBError]:
        items = [(values, instance) for _index, values, instance in segment]
        if self.per_record:
            return [self._write_one(session, values, instance, alone) for values, instance in items]
        if alone:
            return write_batch(self, session, items)
        memory = known(session)
        kept = None if memory is None else dict(memory)
        try:
            with session.begin_nested():
                return write_batch(self, session, items)
        except ConflictError:
            if memory is not None and kept is not None:
                memory.clear()  # what the batch wrote is gone again
                memory.update(kept)
        return [self._write_one(session, values, instance, alone) for values, instance in items]

    def _write_one(
        self, session: Session, values: dict[str, Any], instance: Any | None, alone: bool
    ) -> Saved | ShopDBError:
        """One record through `create` or `update` (which a resource may
        override), in a savepoint of its own within a batch."""
        if alone:
            return self._create_or_update(session, values, instance)
        memory = known(session)
        kept = None if memory is None else dict(memory)
        try:
            with session.begin_nested():
                return self._create_or_update(session, values, instance)
        except RECORD_ERRORS as error:
            if memory is not None and kept is not None:
                memory.clear()  # what the record wrote is gone again
                memory.update(kept)
            return error

    def _create_or_update(self, session: Session, values: dict[str, Any], instance: Any) -> Saved:
        if instance is None:
            return Saved(self.create(session, values), CREATED)
        changes = self.update(session, instance, values)
        return Saved(instance, UPDATED if changes else NOOP, changes)

    @property
    def per_record(self) -> bool:
        """Whether the resource's batches write one record at a time, each a
        batch of one: when it overrides `create` or `update` (per-record work
        around the write, such as keeping an article's revisions), or when
        its rows may point at each other (a location's parent), since a row
        may then refer to one created earlier in the same batch, whose key a
        set-based check cannot know yet."""
        overrides = any(
            getattr(getattr(self, name), "__func__", None) is not getattr(Resource, name)
            for name in ("create", "update")
        )
        return overrides or self._self_referencing

    @cached_property
    def _self_referencing(self) -> bool:
        table = inspect(self.model).local_table
        return any(key.column.table is table for key in table.foreign_keys)

    def written(self, session: Session, saved: list[Saved]) -> None:
        """After records are written (created, updated or found unchanged),
        in the write's transaction: the one place that `save` and `save_many`
        (so every interface) pass through, once per batch, for work that
        follows every write: here the search index is kept current (one
        DELETE and one INSERT for the batch's changed records)."""
        refresh_search_index(session, self, reindexed(self, saved))

    def create(self, session: Session, values: dict[str, Any]) -> Any:
        """The creating half of `save`, from validated input: names resolved,
        `prepare`, checks, write, audit (a batch of one)."""
        return one(write_batch(self, session, [(values, None)])).record

    def update(self, session: Session, instance: Any, values: dict[str, Any]) -> dict[str, Any]:
        """The changing half of `save`, from validated input; returns the
        changed fields as {field: {before, after}}, empty when nothing changed
        (then nothing is written or audited). A nested part that changed is
        one entry, its before and after as the record shows them."""
        return one(write_batch(self, session, [(values, instance)])).changes

    def prepared_values(
        self,
        session: Session,
        values: dict[str, Any],
        problems: dict[str, list[str]],
        instance: Any | None,
    ) -> dict[str, Any]:
        """Values with names resolved (`problems`: what resolving found
        wrong), through `prepare`; the problems of both come back as one 400."""
        problems = dict(problems)
        try:
            values = self.prepare(session, values, instance)
        except InvalidInputError as error:
            if not problems:
                raise
            for name, messages in error.details.items():
                if name in problems and isinstance(messages, list):
                    problems[name] = [*problems[name], *messages]
                else:
                    problems.setdefault(name, messages)
        problems = {**self._overlong(values), **problems}
        if problems:
            raise InvalidInputError(
                f"The {self.name} record has invalid fields; see details.", problems
            )
        return values

    def _overlong(self, values: dict[str, Any]) -> dict[str, list[str]]:
        """Texts longer than their column, as a 400: input was checked, but a
        `prepare` hook may have made a value from another (a name from a long
        host name)."""
        problems = {}
        for name, value in values.items():
            column = self.storage.columns.get(name)
            length = getattr(getattr(column, "type", None), "length", None)
            if isinstance(value, str) and length and len(value) > length:
                problems[name] = [
                    f"Longer than {length} characters (made from another field); send a "
                    f"{name} of at most {length}."
                ]
        return problems

    def split_nested(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the record's own values, the nested ones)"""
        if not self.nesting:
            return values, {}
        own = {key: value for key, value in values.items() if key not in self.nesting}
        return own, {key: value for key, value in values.items() if key in self.nesting}

    def delete(
        self,
        session: Session,
        instance: Any,
        permanent: bool = False,
        *,
        actor: Actor | None = None,
    ) -> str:
        """Delete (or retire, or revoke) one record through `remove` and audit
        it as `actor`; returns the audit action. Whether the caller may delete
        `permanent`ly (admins) is the interface's check, made with the others."""
        itemid = getattr(instance, self.primary_key)
        with acting(session, actor):
            action = self.storage.delete(session, instance, permanent)
        refresh_search_index(session, self, [itemid])  # gone, or retired
        return action

    def version(self, instance: Any) -> str:
        """A fingerprint of what the record holds (its columns and nested
        rows, not the time a collector last saw it): an edit form and the
        REST API's ETag carry it, so a change made on an old copy is
        noticed. Not the modified time alone: two changes within one
        second (some databases keep whole seconds) would share it."""
        skipped = {*self.hidden, self.last_seen}
        values: dict[str, Any] = {
            name: self.storage.value(instance, name)
            for name in self.storage.columns
            if name not in skipped
        }
        for name, part in self.nesting.items():
            values[name] = part.shown(part.rows(instance))
        text = json.dumps(values, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def check_version(self, instance: Any, expected: str) -> None:
        """Refuse a change made on a copy of the record older than what it
        holds now: the one check the UI's edit form and the API's If-Match
        share."""
        wanted = expected.strip().removeprefix("W/").strip('"')
        if wanted == "*":
            return
        current = self.version(instance)
        if wanted != current:
            itemid = getattr(instance, self.primary_key)
            raise StaleRecordError(
                f"The {self.name} record {itemid} was changed by someone else after you "
                "read it; read it again and make your change on what it holds now.",
                current,
            )

    def references(self, session: Session, instances: Sequence[Any]) -> list[dict[str, int]]:
        """Rows elsewhere that point at each record, counted per table (what
        `remove` refuses a delete over), for a preview before deleting: one
        query per foreign key for all the records."""
        return self.storage.references(session, instances)

    def mark_seen(self, session: Session, records: Sequence[Any]) -> None:
        """Stamp `last_seen` on records a collector push found unchanged: one
        UPDATE of that column for all of them, not audited and not a change
        (modifiedat stays), so a site can list what stopped reporting."""
        if self.last_seen and records:
            self.storage.stamp(session, records, self.last_seen)

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """A valid create body for tests and scaffolded plugins, unique per
        `number`; override it when a field needs a special format."""
        return sample_body(self, session, number)

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
        """Add computed parts to a single-object reply (an asset record's
        position and relationships)."""
        return self.storage.detail(session, instance, data)

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        """Delete the row unless others reference it; returns the audit action.
        Nested rows go first, each deleted and audited on its own. Assets
        override this to retire instead; an asset extension retires its asset
        itself and calls this for its own row on a permanent delete."""
        itemid = getattr(instance, self.primary_key)
        refuse_if_referenced(session, instance, f"{self.name} {itemid}", self.nested_tables)
        for part in self.nesting.values():
            part.remove_all(session, instance)
        for image in self.stored_images:  # their files go once the delete commits
            image.discard(self, session, image.own_path(instance), instance)
        session.delete(instance)
        return "delete"

    def extra_routes(self, blueprint: Blueprint, output_schema: type[Schema]) -> None:
        """Register routes beyond the generic five (a location tree, ...)."""


def searchable_fields(
    resources: Sequence[Resource], models: Sequence[type[Base]]
) -> dict[type[Base], list[tuple[str, int]]]:
    """Model -> [(column, weight)] from the resources' `search` declarations,
    for the global search: a field of the resource's own table under its
    model, a nested field (`interfaces.macaddress`) under the child's model,
    each kept only when that model is one of `models` (an asset's own fields
    are the core's to search)."""
    found: dict[type[Base], list[tuple[str, int]]] = {}
    for resource in resources:
        for name, weight in resource.search:
            part, _, column = name.rpartition(".")
            if part:
                model = resource.nesting[part].model
            elif column in resource.model.__table__.columns:
                model = resource.model
            else:
                continue
            if model in models and (column, weight) not in found.get(model, []):
                found.setdefault(model, []).append((column, weight))
    return found


def one(results: list[Saved | ShopDBError]) -> Saved:
    """The result of a batch of one, or its error raised."""
    (result,) = results
    if isinstance(result, ShopDBError):
        raise result
    return result


def _segments(
    loaded: list[tuple[int, dict[str, Any], Any]],
) -> list[list[tuple[int, dict[str, Any], Any]]]:
    """The items in runs that change each record at most once, so that an
    item changing a record an earlier item changed sees that change."""
    segments: list[list[tuple[int, dict[str, Any], Any]]] = [[]]
    seen: set[int] = set()
    for item in loaded:
        instance = item[2]
        if instance is not None and id(instance) in seen:
            segments.append([])
            seen = set()
        if instance is not None:
            seen.add(id(instance))
        segments[-1].append(item)
    return [segment for segment in segments if segment]
