"""The one write path: check references and unique values, write, audit.

The API, the CLI and (later) collectors and imports all write through here,
so every change is validated the same way and leaves an audit entry. Errors
name the field and the value at fault.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from shopdb.database import TABLES_INFO, duplicate_key, is_constraint_violation
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.models import Asset, Base
from shopdb.models.lookups import anycase_indexes
from shopdb.services.audit import audit_entries, audit_log, created_changes, diff, snapshot

# What a unit of work has already seen exist (rows it found or wrote, lookup
# ids), so that a batch asks the database once, not once per record.
KNOWN_KEY = "shopdb.known"


def _table(model: type[Base]) -> Table:
    return model.__table__  # type: ignore[return-value]


def known(session: Session) -> dict[Any, Any] | None:
    """The unit of work's memory of rows seen to exist (None outside one)."""
    return session.info.get(KNOWN_KEY)


def remembered(session: Session, key: Any, find: Callable[[], Any]) -> Any:
    """`find()`, asked once per unit of work for this key while it finds
    something (a lookup's id by its name); outside a unit of work, every time."""
    memory = known(session)
    if memory is None:
        return find()
    if key not in memory:
        found = find()
        if found is None:
            return None
        memory[key] = found
    return memory[key]


def seen(session: Session, column: Any, value: Any) -> Any:
    """`value`, a key just read from `column`, remembered as existing for the
    unit of work (its reference check then asks nothing); returned."""
    memory = known(session)
    if memory is not None and value is not None:
        table = column.table if isinstance(column, Column) else column.class_.__table__
        memory[(table.name, column.key, value)] = True
    return value


def check_references(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """Every foreign key in `values` must point at an existing row."""
    (problems,) = missing_references(session, [(model, values)])
    if problems:
        raise InvalidInputError("A referenced row does not exist; see details.", problems)


def unique_groups(table: Table) -> tuple[tuple[str, ...], ...]:
    """The column-name groups whose values must be unique together."""
    return _unique_groups(table)


@functools.cache
def _unique_groups(table: Table) -> tuple[tuple[str, ...], ...]:
    # Asked for every row a batch writes: read from the table once.
    groups = {
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    groups |= {(column.name,) for column in table.columns if column.unique}
    return tuple(sorted(groups))


def unique_conflicts(
    session: Session, model: type[Base], values: dict[str, Any], instance: Any = None
) -> list[tuple[tuple[str, ...], str]]:
    """The unique field groups `values` would duplicate, each with a sentence
    naming the value and the row that holds it (and its asset, where the
    table belongs to one, so a caller can find it)."""
    table = _table(model)
    primary = inspect(model).primary_key[0]
    shown_columns = _shown_columns(model)
    folded = folded_columns(table)
    found = []
    for group in unique_groups(table):
        if not any(name in values for name in group):
            continue
        merged = {
            name: values[name] if name in values else getattr(instance, name, None)
            for name in group
        }
        if any(value is None for value in merged.values()):
            continue  # NULLs never collide in a unique constraint
        held = [table.c[name] for name in group]
        query = select(*shown_columns, *held).where(
            and_(
                *(
                    func.lower(table.c[name]) == func.lower(merged[name])
                    if name in folded
                    else table.c[name] == merged[name]
                    for name in group
                )
            )
        )
        if instance is not None:
            query = query.where(primary != getattr(instance, primary.key))
        row = session.execute(query.limit(1)).first()
        if row is not None:
            found.append((group, _held_sentence(table, group, shown_columns, row)))
    return found


def _shown_columns(model: type[Base]) -> list[Any]:
    """What names the holder of a value: its key, and its asset (by id and
    number) where the table belongs to one, so a caller can find it."""
    table = _table(model)
    primary = inspect(model).primary_key[0]
    owner = table.c.get("assetid")
    assets = _table(Asset)
    shown_columns: list[Any] = [primary]
    if owner is not None and owner is not primary:
        shown_columns.append(owner)
    if owner is not None and table is not assets:
        # The asset number is what a person knows the holder by.
        number = select(assets.c.assetnumber).where(assets.c.assetid == owner)
        shown_columns.append(number.scalar_subquery().label("assetnumber"))
    return shown_columns


def _held_sentence(table: Table, group: tuple[str, ...], shown_columns: list[Any], row: Any) -> str:
    # The value as held: a collation may count another spelling as equal.
    count = len(shown_columns)
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(group, row[count:], strict=True))
    holder = ", ".join(
        f"{column.key} {value!r}" for column, value in zip(shown_columns, row[:count], strict=True)
    )
    return f"Another {table.name} row ({holder}) already has {shown}."


def folded_columns(table: Table) -> frozenset[str]:
    """Lookup names unique in any case, compared folded as their index does."""
    return _folded_columns(table)


@functools.cache
def _folded_columns(table: Table) -> frozenset[str]:
    return frozenset(index.info["anycase"] for index in anycase_indexes([table]))


def refuse_conflicts(conflicts: list[tuple[tuple[str, ...], str]]) -> None:
    """One 409 for every duplicated value, each field named in the details."""
    if not conflicts:
        return
    details: dict[str, list[str]] = {}
    for group, sentence in conflicts:
        for name in group:
            details.setdefault(name, []).append(sentence)
    raise ConflictError(" ".join(sentence for _, sentence in conflicts), details)


def references_to(session: Session, instance: Any, ignore: Collection[str] = ()) -> dict[str, int]:
    """Rows elsewhere that point at `instance`, counted per table, leaving out
    the tables named in `ignore`."""
    (counts,) = references_to_many(session, [instance], ignore)
    return counts


def refuse_if_referenced(
    session: Session, instance: Any, what: str, ignore: Collection[str] = ()
) -> None:
    counts = references_to(session, instance, ignore)
    if counts:
        listed = ", ".join(f"{count} in {table}" for table, count in sorted(counts.items()))
        raise ConflictError(
            f"Cannot delete {what}: other rows still reference it ({listed}).",
            {"references": counts},
        )


def _flush(session: Session) -> None:
    """Flush, turning a constraint the checks could not foresee (a race) into
    409, naming the fields when the database says which constraint it was.
    The unit of work (or the savepoint) around the write rolls it back."""
    with refused_as_conflict():
        session.flush()


@contextmanager
def refused_as_conflict() -> Iterator[None]:
    """A constraint the checks could not foresee (a race) as a 409 naming the
    fields, when the database says which constraint it was."""
    try:
        yield
    except DBAPIError as error:
        if not is_constraint_violation(error):
            raise
        taken = "Taken by a record written at the same time; reload and retry."
        raise ConflictError(
            "The change conflicts with data written at the same time; reload and retry.",
            {name: [taken] for name in _clashing_columns(error)},
        ) from None


def _clashing_columns(error: DBAPIError) -> tuple[str, ...]:
    name, columns = duplicate_key(error)
    if columns or not name:
        return columns
    for table in Base.metadata.tables.values():
        unique = [
            *(item for item in table.constraints if isinstance(item, UniqueConstraint)),
            *(index for index in table.indexes if index.unique),
        ]
        for constraint in unique:
            if constraint.name == name:
                return tuple(column.name for column in constraint.columns)
    return ()


def changed_values(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if getattr(instance, key) != value}


def create_record(
    session: Session, model: type[Base], values: dict[str, Any], *, unique_checked: bool = False
) -> Any:
    """Insert and audit one row; `unique_checked` when the caller has already
    refused duplicates (of several rows at once)."""
    check_references(session, model, values)
    if not unique_checked:
        refuse_conflicts(unique_conflicts(session, model, values))
    instance = model(**values)
    session.add(instance)
    _flush(session)
    primary = inspect(model).primary_key[0].key
    memory = known(session)
    if memory is not None:
        memory[(model.__tablename__, primary, getattr(instance, primary))] = True
    after = snapshot(instance)
    audit_log(
        session,
        "create",
        model.__tablename__,
        getattr(instance, primary),
        changes=diff({}, after),
    )
    return instance


def update_record(
    session: Session, instance: Any, values: dict[str, Any], *, unique_checked: bool = False
) -> dict[str, Any]:
    """Apply `values`; returns the changed fields (empty: nothing written, nothing audited)."""
    model = type(instance)
    changed = changed_values(instance, values)
    if not changed:
        return {}
    check_references(session, model, changed)
    if not unique_checked:
        refuse_conflicts(unique_conflicts(session, model, changed, instance))
    before = snapshot(instance)
    for key, value in changed.items():
        setattr(instance, key, value)
    _flush(session)
    changes = diff(before, snapshot(instance))
    if changes:
        primary = inspect(model).primary_key[0].key
        audit_log(
            session, "update", model.__tablename__, getattr(instance, primary), changes=changes
        )
    return changes


def delete_record(session: Session, instance: Any, remove: Callable[[], str]) -> str:
    """Run `remove` (a delete, or a soft delete that retires) and audit what it did."""
    model = type(instance)
    primary = inspect(model).primary_key[0].key
    entityid = getattr(instance, primary)
    before = snapshot(instance)
    action = remove()
    _flush(session)
    after = {} if action == "delete" else snapshot(instance)
    audit_log(session, action, model.__tablename__, entityid, changes=diff(before, after))
    return action


# Many rows at once ---------------------------------------------------------------
# The batch write path (`shopdb.resources.batch`) checks and writes all rows of
# a batch with a number of statements per table that does not grow with the
# batch: one query per referenced table, one per unique group, one INSERT
# (insertmanyvalues) or executemany UPDATE per table, one audit INSERT.


def missing_references(
    session: Session, rows: Sequence[tuple[type[Base], dict[str, Any]]]
) -> list[dict[str, list[str]]]:
    """For each (model, values), the foreign keys that point at no row, by
    field: one query per referenced column for all the rows together."""
    memory = known(session)
    seen: dict[Any, bool] = {} if memory is None else memory
    wanted: dict[Column, set[Any]] = {}
    pointing = []
    for model, values in rows:
        refs = []
        for column in _table(model).columns:
            value = values.get(column.key)
            if value is None or not column.foreign_keys:
                continue
            (key,) = column.foreign_keys
            target = key.column
            remember = (target.table.name, target.key, value)
            refs.append((column.key, remember))
            if remember not in seen:
                wanted.setdefault(target, set()).add(value)
        pointing.append(refs)
    for target, values in wanted.items():
        query = select(target).where(target.in_(sorted(values, key=repr)))
        for value in session.scalars(query):
            seen[(target.table.name, target.key, value)] = True
    return [
        {
            name: [f"There is no {remember[0]} row with id {remember[2]}."]
            for name, remember in refs
            if remember not in seen
        }
        for refs in pointing
    ]


def comparable(table: Table, group: tuple[str, ...], values: Sequence[Any]) -> tuple[Any, ...]:
    """Values of a unique group as its constraint compares them (lookup names
    folded)."""
    folded = folded_columns(table)
    if not folded:
        return tuple(values)
    return tuple(
        value.lower() if name in folded and isinstance(value, str) else value
        for name, value in zip(group, values, strict=True)
    )


def check_unique(
    session: Session, model: type[Base], wanted: dict[tuple[str, ...], set[tuple[Any, ...]]]
) -> dict[tuple[str, ...], list[tuple[tuple[Any, ...], Any, str]]]:
    """The unique check of a batch: the rows that already hold any of the
    `wanted` values of each unique group ({group: {values}}, compared as
    `comparable` gives them), one query per group: {group: [(values as
    compared, primary key, sentence naming the holder)]}. What it cannot
    see (a concurrent writer's row) the database's constraint refuses."""
    table = _table(model)
    shown_columns = _shown_columns(model)
    folded = folded_columns(table)
    found: dict[tuple[str, ...], list[Any]] = {}
    for group, values in wanted.items():
        if not values:
            continue
        compared = [
            func.lower(table.c[name]) if name in folded else table.c[name] for name in group
        ]
        keys = sorted(values, key=repr)
        if len(group) == 1:
            condition = compared[0].in_([key[0] for key in keys])
        else:
            condition = tuple_(*compared).in_(keys)
        query = select(*shown_columns, *(table.c[name] for name in group)).where(condition)
        count = len(shown_columns)
        found[group] = [
            (
                comparable(table, group, tuple(row[count:])),
                row[0],
                _held_sentence(table, group, shown_columns, row),
            )
            for row in session.execute(query)
        ]
    return found


def references_to_many(
    session: Session, rows: Sequence[Any], ignore: Collection[str] = ()
) -> list[dict[str, int]]:
    """Rows elsewhere that point at each of `rows` (of one model), counted
    per table, leaving out the tables named in `ignore`: one query per
    foreign key that points at the model's table, for all the rows."""
    if not rows:
        return []
    model = type(rows[0])
    table = _table(model)
    primary = inspect(model).primary_key[0].key
    counts: list[dict[str, int]] = [{} for _ in rows]
    # A session of an app knows the tables its database holds; a plugin's
    # model imported by the process but not installed here has no table.
    present = session.info.get(TABLES_INFO) or Base.metadata.tables
    for other in Base.metadata.sorted_tables:
        if other.name in ignore or other.name not in present:
            continue
        for key in other.foreign_keys:
            if key.column.table is not table:
                continue
            values = {getattr(row, key.column.key) for row in rows}
            query = (
                select(key.parent, func.count())
                .where(key.parent.in_(sorted(values, key=repr)))
                .group_by(key.parent)
            )
            if other is table:
                query = query.where(other.c[primary] != key.parent)
            held = {row[0]: row[1] for row in session.execute(query)}
            for index, row in enumerate(rows):
                count = held.get(getattr(row, key.column.key), 0)
                if count:
                    counts[index][other.name] = counts[index].get(other.name, 0) + count
    return counts


def _filled(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the same keys, so one INSERT takes them all: a key a row
    leaves out gets its column's default (a server default cannot be sent,
    so such rows keep their own keys)."""
    names = {name for row in rows for name in row}
    filled = []
    for given in rows:
        row = dict(given)
        for name in names - set(row):
            column = table.c[name]
            default = column.default
            if default is not None and getattr(default, "is_scalar", False):
                row[name] = default.arg  # type: ignore[attr-defined]
            elif default is not None and getattr(default, "is_callable", False):
                row[name] = default.arg(None)  # type: ignore[attr-defined]
            elif default is None and column.server_default is None and column.nullable:
                row[name] = None
        filled.append(row)
    return filled


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> list[Any]:
    """Insert many rows in one statement and return them as instances, in
    the order given (the identity map holds them, as after a flush).

    The server databases return the new keys in parameter order. SQLite does
    not promise an order for RETURNING (of one row there is no order to
    keep), so there the keys of several rows are given: the unit
    of work holds SQLite's write lock (BEGIN IMMEDIATE), so max()+1 onwards is
    free (what SQLite itself would pick); a writer outside one that races
    meets the primary key's constraint, a 409 like any race."""
    if not rows:
        return []
    table = _table(model)
    (primary,) = table.primary_key.columns
    rows = _filled(table, rows)
    given = all(row.get(primary.key) is not None for row in rows)
    sqlite = session.get_bind().dialect.name == "sqlite"
    numbered = isinstance(primary.type, Integer)
    with refused_as_conflict():
        if sqlite and (given or numbered) and len(rows) > 1:
            if not given:
                last = session.scalar(select(func.max(primary))) or 0
                for row in rows:
                    if row.get(primary.key) is None:
                        last += 1
                        row[primary.key] = last
            made = session.scalars(insert(model).returning(model), rows).all()
            by_key = {getattr(instance, primary.key): instance for instance in made}
            instances = [by_key[row[primary.key]] for row in rows]
        else:
            statement = insert(model).returning(model, sort_by_parameter_order=True)
            instances = list(session.scalars(statement, rows).all())
    memory = known(session)
    if memory is not None:
        for instance in instances:
            memory[(table.name, primary.key, getattr(instance, primary.key))] = True
    return instances


def update_rows(session: Session, writes: Sequence[tuple[Any, dict[str, Any]]]) -> None:
    """Write changed values to loaded rows by primary key: one executemany
    UPDATE per table and set of changed fields. The instances take the
    values as stored (nothing is left for a flush)."""
    groups: dict[tuple[type[Base], tuple[str, ...]], list[tuple[Any, dict[str, Any]]]] = {}
    for instance, values in writes:
        if values:
            groups.setdefault((type(instance), tuple(sorted(values))), []).append(
                (instance, values)
            )
    for (model, names), members in groups.items():
        table = _table(model)
        (primary,) = table.primary_key.columns
        statement = (
            update(table)
            .where(primary == bindparam("old_key"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        parameters = [
            {
                "old_key": getattr(instance, primary.key),
                **{f"new_{name}": values[name] for name in names},
            }
            for instance, values in members
        ]
        with refused_as_conflict():
            session.execute(statement, parameters)
        # Fields computed in SQL from the row are read again when next used.
        computed = [
            prop.key
            for prop in inspect(model).column_attrs
            if not isinstance(prop.expression, Column)
        ]
        for instance, values in members:
            for name, value in values.items():
                set_committed_value(instance, name, value)
            if computed:
                session.expire(instance, computed)


def delete_rows(session: Session, rows: Sequence[Any]) -> None:
    """Delete loaded rows: one DELETE per table; they leave the session."""
    groups: dict[type[Base], list[Any]] = {}
    for row in rows:
        groups.setdefault(type(row), []).append(row)
    for model, members in groups.items():
        table = _table(model)
        (primary,) = table.primary_key.columns
        keys = [getattr(row, primary.key) for row in members]
        with refused_as_conflict():
            session.execute(delete(table).where(primary.in_(keys)))
        for row in members:
            session.expunge(row)


def row_key(row: Any) -> Any:
    return getattr(row, _primary_name(type(row)))


@functools.cache
def _primary_name(model: type[Base]) -> str:
    return inspect(model).primary_key[0].key


def write_audit(session: Session, entries: list[dict[str, Any]]) -> None:
    """The audit entries of a batch's writes, in one INSERT."""
    audit_entries(session, entries)


def created_entry(instance: Any) -> dict[str, Any]:
    """The audit entry of an inserted row (its values)."""
    return {
        "action": "create",
        "entitytype": type(instance).__tablename__,
        "entityid": row_key(instance),
        "changes": created_changes(instance),
    }


def changed_entry(instance: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The audit entry of a changed row ({field: {before, after}})."""
    entityid = row_key(instance)
    return {
        "action": "update",
        "entitytype": type(instance).__tablename__,
        "entityid": entityid,
        "changes": changes,
    }


def deleted_entry(row: Any, before: dict[str, Any]) -> dict[str, Any]:
    """The audit entry of a deleted row (`before`: its snapshot)."""
    return {
        "action": "delete",
        "entitytype": type(row).__tablename__,
        "entityid": row_key(row),
        "changes": diff(before, {}),
    }
