"""The one write path: check references and unique values, write, audit.

The API, the CLI and (later) collectors and imports all write through here,
so every change is validated the same way and leaves an audit entry. Errors
name the field and the value at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import Table, UniqueConstraint, and_, func, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shopdb.database import duplicate_key, is_constraint_violation
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.models import Asset, Base
from shopdb.models.lookups import anycase_indexes
from shopdb.services.audit import audit_log, diff, snapshot

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


def check_references(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    """Every foreign key in `values` must point at an existing row."""
    problems: dict[str, list[str]] = {}
    memory = known(session)
    for column in _table(model).columns:
        value = values.get(column.key)
        if value is None or not column.foreign_keys:
            continue
        (key,) = column.foreign_keys
        target = key.column
        remember = (target.table.name, target.key, value)
        if memory is not None and remember in memory:
            continue
        found = session.execute(select(target).where(target == value).limit(1)).first()
        if found is None:
            problems[column.key] = [f"There is no {target.table.name} row with id {value}."]
        elif memory is not None:
            memory[remember] = True
    if problems:
        raise InvalidInputError("A referenced row does not exist; see details.", problems)


def unique_groups(table: Table) -> list[tuple[str, ...]]:
    """The column-name groups whose values must be unique together."""
    groups = {
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    }
    groups |= {(column.name,) for column in table.columns if column.unique}
    return sorted(groups)


def unique_conflicts(
    session: Session, model: type[Base], values: dict[str, Any], instance: Any = None
) -> list[tuple[tuple[str, ...], str]]:
    """The unique field groups `values` would duplicate, each with a sentence
    naming the value and the row that holds it (and its asset, where the
    table belongs to one, so a caller can find it)."""
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
    # Lookup names unique in any case are compared folded, as their index does.
    folded = {index.info["anycase"] for index in anycase_indexes([table])}
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
            # The value as held: a collation may count another spelling as equal.
            count = len(shown_columns)
            shown = ", ".join(
                f"{name}={value!r}" for name, value in zip(group, row[count:], strict=True)
            )
            holder = ", ".join(
                f"{column.key} {value!r}"
                for column, value in zip(shown_columns, row[:count], strict=True)
            )
            found.append((group, f"Another {table.name} row ({holder}) already has {shown}."))
    return found


def refuse_conflicts(conflicts: list[tuple[tuple[str, ...], str]]) -> None:
    """One 409 for every duplicated value, each field named in the details."""
    if not conflicts:
        return
    details: dict[str, list[str]] = {}
    for group, sentence in conflicts:
        for name in group:
            details.setdefault(name, []).append(sentence)
    raise ConflictError(" ".join(sentence for _, sentence in conflicts), details)


def check_unique(
    session: Session, model: type[Base], values: dict[str, Any], instance: Any = None
) -> None:
    """Refuse a write that would duplicate a unique value, naming the field(s)."""
    refuse_conflicts(unique_conflicts(session, model, values, instance))


def references_to(session: Session, instance: Any, ignore: Collection[str] = ()) -> dict[str, int]:
    """Rows elsewhere that point at `instance`, counted per table, leaving out
    the tables named in `ignore`."""
    model = type(instance)
    table = _table(model)
    counts: dict[str, int] = {}
    for other in Base.metadata.sorted_tables:
        if other.name in ignore:
            continue
        for key in other.foreign_keys:
            if key.column.table is not table:
                continue
            value = getattr(instance, key.column.key)
            query = select(func.count()).select_from(other).where(key.parent == value)
            if other is table:
                query = query.where(other.c[inspect(model).primary_key[0].key] != value)
            count = session.scalar(query) or 0
            if count:
                counts[other.name] = counts.get(other.name, 0) + count
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
    try:
        session.flush()
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
        check_unique(session, model, values)
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
        check_unique(session, model, changed, instance)
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
