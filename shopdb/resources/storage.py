"""Where a resource's records live, so that the generic endpoints (and, next,
collectors) read and write every resource the same way.

Most resources are one table (`TableStorage`). Asset records, the core
`assets` resource and every plugin's asset class alike, are `AssetStorage`:
deleting retires, an admin may delete for good, and single-object replies
carry the resolved position and the relationships, from this one place. An
asset extension (`AssetExtensionStorage`) is a plugin's table keyed by
assetid beside the core `assets` row; its records are served flat, the
asset's fields and the extension's side by side, and every write goes to the
row that owns the field: a storage plans the rows of a write (`plan_create`,
`plan_update`), which `shopdb.resources.batch` checks and writes for a whole
batch at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from marshmallow import fields
from marshmallow_sqlalchemy import ModelConverter
from sqlalchemy import Column, Select, inspect, select, update
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from shopdb.errors import ConflictError
from shopdb.models import Asset, AssetStatus, AssetType, utcnow
from shopdb.resources.assetrecords import (
    ACTIVE,
    add_asset_detail,
    asset_detail_fields,
    asset_status,
    retire_asset,
)
from shopdb.resources.batch import Row
from shopdb.resources.schemas import TIMESTAMPS, ModelSchema
from shopdb.services import records

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

ASSETS = Asset.__table__


class TableStorage:
    """Records are the rows of the resource's own table."""

    # Create fields that may be left out although their column needs a value:
    # the storage fills them in.
    defaulted: frozenset[str] = frozenset()

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.model = resource.model
        self.entitytypes: tuple[str, ...] = (self.model.__tablename__,)
        self.columns: dict[str, Column] = {
            column.key: column for column in self.model.__table__.columns
        }

    def select(self) -> Select:
        return select(self.model)

    def output_fields(self) -> dict[str, fields.Field]:
        """Output fields beyond the model's own columns."""
        return {}

    def detail_fields(self) -> dict[str, fields.Field]:
        """Fields `detail` adds to single-object replies."""
        return {}

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        return data

    # What a write does to the rows (`shopdb.resources.batch` checks and
    # writes the rows of a whole batch together).

    # Whose duplicates a record's 409 names first, when it would duplicate
    # values of several rows; an asset extension checks unique values
    # before references (a derived asset number is not the value at fault).
    uniques_first = False

    def plan_create(self, session: Session, values: dict[str, Any]) -> list[Row]:
        """The rows a new record is (the last one holds its nested rows)."""
        return [Row(self.model, values)]

    def plan_update(self, instance: Any, values: dict[str, Any], nested: bool) -> list[Row]:
        """The rows a change writes: the changed values of each (none: no
        rows), and a row whose time moves when only `nested` rows changed."""
        changed = records.changed_values(instance, values)
        if changed:
            return [Row(self.model, changed, instance)]
        if nested and "modifiedat" in self.columns:
            return [Row(self.model, {}, instance, audited=False)]  # dated, not a change
        return []

    def delete(self, session: Session, instance: Any, permanent: bool) -> str:
        return records.delete_record(
            session, instance, lambda: self.resource.remove(session, instance, permanent)
        )

    def value(self, instance: Any, name: str) -> Any:
        """A field of a record, wherever its row keeps it."""
        return getattr(instance, name)

    def references(self, session: Session, instances: Sequence[Any]) -> list[dict[str, int]]:
        """What points at each record (its own nested rows left out)."""
        return records.references_to_many(session, instances, self.resource.nested_tables)

    def row_of(self, instance: Any, name: str) -> Any:
        """The row (model instance) that holds the field `name`."""
        return instance

    def stamp(self, session: Session, instances: Sequence[Any], name: str) -> None:
        """Set the column `name` of these records to now in one UPDATE,
        leaving modifiedat alone (not a change of the record)."""
        rows = [self.row_of(instance, name) for instance in instances]
        model = type(rows[0])
        table = model.__table__
        (key,) = table.primary_key.columns
        now = utcnow()
        values: dict[str, Any] = {name: now}
        if "modifiedat" in table.c:
            values["modifiedat"] = table.c.modifiedat  # as it was: not a change
        ids = [getattr(row, key.key) for row in rows]
        session.execute(update(table).where(key.in_(ids)).values(values))
        for row in rows:
            set_committed_value(row, name, now)


class AssetStorage(TableStorage):
    """Records that are assets: the core `assets` rows, and (through the
    subclass) a plugin's asset class. Deleting retires the asset; a
    permanent delete (admins, checked by the interface) removes the row when
    nothing references it."""

    table = ASSETS
    defaulted = frozenset({"assetstatusid"})

    def asset_of(self, instance: Any) -> Asset:
        return instance

    def detail_fields(self) -> dict[str, fields.Field]:
        return asset_detail_fields()

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        return add_asset_detail(session, self.asset_of(instance), data)

    def references(self, session: Session, instances: Sequence[Any]) -> list[dict[str, int]]:
        """What points at each record's asset, but its own extension and
        nested rows."""
        ignore = {self.model.__tablename__, *self.resource.nested_tables}
        if self.model.__table__ is self.table:
            ignore = set(self.resource.nested_tables)
        assets = [self.asset_of(instance) for instance in instances]
        return records.references_to_many(session, assets, ignore)

    def delete(self, session: Session, instance: Any, permanent: bool) -> str:
        if permanent:
            return super().delete(session, instance, permanent)
        asset = self.asset_of(instance)
        return records.delete_record(session, asset, lambda: retire_asset(session, asset))


class AssetExtensionStorage(AssetStorage):
    """Records of a plugin asset class: the `assets` row of type
    `resource.asset_type` joined with the plugin's row of the same assetid.

    The model reaches its asset through a one-way relationship
    (`asset: Mapped[Asset] = relationship()`), loaded by the same select, so a
    list costs the same number of queries whatever the page size. Timestamps
    shown are the asset's; a change to the extension's fields alone moves the
    asset's `modifiedat` too, so the record's time is always the last change.
    Deleting retires the asset; a permanent delete (admins) removes both rows.
    """

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource)
        mapper = inspect(self.model)
        keys = list(mapper.primary_key)
        if not (
            len(keys) == 1
            and keys[0].key == "assetid"
            and any(key.column is ASSETS.c.assetid for key in keys[0].foreign_keys)
        ):
            raise ValueError(
                f"resource {resource.name!r} extends assets (asset_type "
                f"{resource.asset_type!r}), so {self.model.__name__} needs the single primary "
                "key assetid with a foreign key to assets.assetid."
            )
        related = [
            prop
            for prop in mapper.relationships
            if prop.mapper.class_ is Asset and set(prop.local_columns) == {keys[0]}
        ]
        if len(related) != 1:
            raise ValueError(
                f"resource {resource.name!r} extends assets, so {self.model.__name__} needs one "
                "relationship to its asset: asset: Mapped[Asset] = relationship()."
            )
        self.relation = getattr(self.model, related[0].key)
        own = {name: column for name, column in self.columns.items() if name not in TIMESTAMPS}
        clashes = sorted((set(own) & set(ASSETS.c.keys())) - {"assetid"})
        if clashes:
            raise ValueError(
                f"resource {resource.name!r}: {self.model.__name__} repeats the asset's "
                f"field(s) {', '.join(clashes)}; an extension adds fields, rename them."
            )
        self.own = frozenset(own) - {"assetid"}
        self.entitytypes = (ASSETS.name, self.model.__tablename__)
        # Asset fields first; the key compares equal on both sides, the
        # extension's is the one its table is ordered and found by.
        self.columns = {**{column.key: column for column in ASSETS.columns}, **own}

    def select(self) -> Select:
        return select(self.model).join(self.relation).options(contains_eager(self.relation))

    def output_fields(self) -> dict[str, fields.Field]:
        """The asset's fields, read through the relationship (`asset.name`)."""
        converter = ModelConverter(schema_cls=ModelSchema)
        # Typed for declarative_base() classes; DeclarativeBase models work alike.
        output = converter.fields_for_model(Asset, include_fk=True)  # type: ignore[arg-type]
        for name, field in output.items():
            if name != "assetid":
                field.attribute = f"{self.relation.key}.{name}"
        return output

    def asset_of(self, instance: Any) -> Asset:
        return getattr(instance, self.relation.key)

    def value(self, instance: Any, name: str) -> Any:
        return getattr(self.row_of(instance, name), name)

    def row_of(self, instance: Any, name: str) -> Any:
        return instance if name in self.own else self.asset_of(instance)

    def split(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the asset's values, the extension's values)"""
        own = {key: value for key, value in values.items() if key in self.own}
        for_asset = {key: value for key, value in values.items() if key not in self.own}
        return for_asset, own

    uniques_first = True

    def plan_create(self, session: Session, values: dict[str, Any]) -> list[Row]:
        for_asset, own = self.split(values)
        for_asset["assettypeid"] = self._assettypeid(session)
        if for_asset.get("assetstatusid") is None:
            for_asset["assetstatusid"] = records.remembered(
                session,
                ("assetstatus", ACTIVE),
                lambda: records.seen(
                    session, AssetStatus.assetstatusid, asset_status(session, ACTIVE).assetstatusid
                ),
            )
        asset = Row(Asset, for_asset)
        return [asset, Row(self.model, own, parent=asset, link="assetid", parent_key="assetid")]

    def plan_update(self, instance: Any, values: dict[str, Any], nested: bool) -> list[Row]:
        """The asset's row and the extension's; a change to the extension's
        fields (or nested rows) alone dates the asset too, so the record's
        time is always its last change."""
        for_asset, own = self.split(values)
        asset = self.asset_of(instance)
        for_asset = records.changed_values(asset, for_asset)
        own = records.changed_values(instance, own)
        rows = []
        if for_asset:
            rows.append(Row(Asset, for_asset, asset))
        elif own or nested:
            rows.append(Row(Asset, {}, asset, audited=False))
        if own:
            rows.append(Row(self.model, own, instance))
        return rows

    def _assettypeid(self, session: Session) -> int:
        kind = self.resource.asset_type
        found = records.remembered(
            session,
            ("assettype", kind),
            lambda: records.seen(
                session,
                AssetType.assettypeid,
                session.scalar(select(AssetType.assettypeid).where(AssetType.assettype == kind)),
            ),
        )
        if found is None:
            raise ConflictError(
                f"The asset type {kind!r} is not registered on this site, so no "
                f"{self.resource.name} can be created; install the plugin that provides "
                f"{kind!r} ('shopdb plugin install <plugin>')."
            )
        return found

    def delete(self, session: Session, instance: Any, permanent: bool) -> str:
        if not permanent:
            return super().delete(session, instance, permanent)
        asset = self.asset_of(instance)
        what = f"{self.resource.name} {asset.assetid}"
        ignore = {self.model.__tablename__, *self.resource.nested_tables}
        records.refuse_if_referenced(session, asset, what, ignore=ignore)
        TableStorage.delete(self, session, instance, permanent)
        return records.delete_record(session, asset, lambda: _delete(session, asset))


def _delete(session: Session, instance: Any) -> str:
    session.delete(instance)
    return "delete"
