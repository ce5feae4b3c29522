"""Set-based writes: `Resource.save` and `Resource.save_many` write their
records here, one record or five hundred with the same statements.

A batch is checked whole before any of it is written, then written whole:

1. names resolved (`shopdb.resources.byname`: one query per lookup; the new
   lookup rows in one INSERT per lookup), then each record's `prepare` (a
   hook that reads the database costs its statements per record);
2. the rows each record writes are planned: its own rows by its storage
   (`plan_create`, `plan_update`: the asset row and the extension row), its
   nested rows by each nested part (`NestedPart.plan`);
3. checks (`shopdb.services.records`): references with one query per
   referenced column, unique values with one query per unique group and
   against the records before it in the batch, nested rows to delete that
   others still reference; a record that fails is left out with its error,
   which names its fields;
4. writes: deletes, then updates (one executemany UPDATE per table and set
   of changed fields), then inserts (one INSERT .. RETURNING per table, a
   parent's table before its children's), then every audit entry of the
   batch in one INSERT.

A later record sees the earlier ones: a value an earlier record takes is
taken (a 409 naming the field), one it gives up is free. What only the
database can see (a concurrent writer's row, a collation's idea of equal)
surfaces as a ConflictError from the write; `Resource.save_many` then writes
the batch again one record at a time (see there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shopdb.errors import ConflictError, InvalidInputError, NotFoundError, ShopDBError
from shopdb.models import Base, utcnow
from shopdb.resources.byname import resolve_names
from shopdb.services import records
from shopdb.services.audit import diff, snapshot

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shopdb.resources.definition import Resource
    from shopdb.resources.nested import NestedPart

CREATED, UPDATED, NOOP = "created", "updated", "noop"
# What a record's own failure may be: left out of the batch with it.
RECORD_ERRORS = (InvalidInputError, ConflictError, NotFoundError)


@dataclass
class Saved:
    """What `Resource.save` did: the record, `created`, `updated` or `noop`,
    and the changed fields as {field: {before, after}} (empty on create)."""

    record: Any
    action: str
    changes: dict[str, Any] = field(default_factory=dict)


def _unfilled() -> Saved:
    raise AssertionError("every item of a batch has a result")


@dataclass(eq=False)
class Row:
    """One row a record writes: inserted (no `instance`) or changed.

    An inserted child of an inserted `parent` takes the parent's
    `parent_key` into its `link` column once the parent is written; `fixed`
    values are written but not checked (the key of a parent that exists).
    `path` places its errors in the record's details (`("interfaces", 2)`).
    A row that is not `audited` only moves its time (`modifiedat`)."""

    model: type[Base]
    values: dict[str, Any]
    instance: Any = None
    parent: Row | None = None
    link: str = ""
    parent_key: str = ""
    fixed: dict[str, Any] = field(default_factory=dict)
    path: tuple[Any, ...] = ()
    audited: bool = True
    written: Any = None
    before: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> Any:
        return self.model.__table__

    def wrapped(self, details: dict[str, Any]) -> dict[str, Any]:
        """`details` of this row as the record's details."""
        for part in reversed(self.path):
            details = {part: details}
        return details

    def group_values(self, group: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The values this row would hold for a unique group it writes, or
        None (it writes none of the group, one is null, or a parent's key
        that does not exist yet: no other row can hold that)."""
        if self.instance is not None and not any(name in self.values for name in group):
            return None
        found = []
        for name in group:
            if name in self.values:
                value = self.values[name]
            elif name in self.fixed:
                value = self.fixed[name]
            elif self.instance is not None:
                value = getattr(self.instance, name)
            else:
                value = None
            if value is None:
                return None
            found.append(value)
        return tuple(found)


@dataclass(eq=False)
class Plan:
    """One record of a batch: its rows, nested deletes, and the outcome."""

    index: int
    instance: Any
    rows: list[Row]
    parts: list[tuple[NestedPart, list[Any], list[Row]]]
    before: dict[str, Any] = field(default_factory=dict)
    error: ShopDBError | None = None

    @property
    def own(self) -> list[Row]:
        return [row for row in self.rows if not row.path]

    @property
    def nested(self) -> list[Row]:
        return [row for _part, _deletes, rows in self.parts for row in rows]

    @property
    def deletes(self) -> list[Any]:
        return [row for _part, deletes, _rows in self.parts for row in deletes]

    @property
    def writes(self) -> list[Row]:
        return [*self.rows, *self.nested]


def write_batch(
    resource: Resource, session: Session, items: Sequence[tuple[dict[str, Any], Any]]
) -> list[Saved | ShopDBError]:
    """Write validated (values, record or None) items set-based; each place
    of the result holds the Saved record or the record's error."""
    entries: list[dict[str, Any]] = []
    results: list[Saved | ShopDBError | None] = [None] * len(items)
    named = resolve_names(
        session,
        resource.lookups,
        [(values, instance is None) for values, instance in items],
        entries,
    )
    plans = []
    for index, ((_values, instance), (values, problems, error)) in enumerate(
        zip(items, named, strict=True)
    ):
        try:
            if error is not None:
                raise error
            prepared = resource.prepared_values(session, values, problems, instance)
            plans.append(plan(resource, session, index, prepared, instance))
        except RECORD_ERRORS as failure:
            results[index] = failure
    check(session, resource, plans)
    good = [each for each in plans if each.error is None]
    write(session, good, entries)
    for each in plans:
        results[each.index] = each.error or saved(each)
    return [result if result is not None else _unfilled() for result in results]


# Planning ------------------------------------------------------------------------


def plan(
    resource: Resource, session: Session, index: int, values: dict[str, Any], instance: Any
) -> Plan:
    own, nested = resource.split_nested(values)
    for name, value in nested.items():
        resource.nesting[name].check(instance, value)
    parts = []
    if instance is None:
        rows = resource.storage.plan_create(session, own)
        parent = rows[-1]
    else:
        parent = Row(resource.model, {}, instance)
    for name, value in nested.items():
        part = resource.nesting[name]
        deletes, children = part.plan(instance, value, parent)
        parts.append((part, deletes, children))
    before = {}
    if instance is not None:
        changing = any(deletes or children for _part, deletes, children in parts)
        rows = resource.storage.plan_update(instance, own, changing)
        before = {
            part.name: part.shown(part.rows(instance))
            for part, deletes, children in parts
            if deletes or children
        }
    return Plan(index, instance, rows, parts, before)


# Checking ------------------------------------------------------------------------


def check(session: Session, resource: Resource, plans: list[Plan]) -> None:
    """Set `error` on every plan that may not be written."""
    if not plans:
        return
    checked = [row for each in plans for row in each.writes if row.audited]
    missing = dict(
        zip(
            checked,
            records.missing_references(session, [(row.model, row.values) for row in checked]),
            strict=True,
        )
    )
    wanted: dict[type[Base], dict[tuple[str, ...], set[tuple[Any, ...]]]] = {}
    for row in checked:
        for group in records.unique_groups(row.table):
            found = row.group_values(group)
            if found is not None:
                groups = wanted.setdefault(row.model, {})
                groups.setdefault(group, set()).add(records.comparable(row.table, group, found))
    holders = {
        model: records.check_unique(session, model, groups) or {}
        for model, groups in wanted.items()
    }
    deleted = [row for each in plans for row in each.deletes]
    referenced = _still_referenced(session, deleted)
    claims = Claims(holders, wanted)
    for each in plans:
        each.error = _first_error(resource, each, missing, claims, referenced)
        if each.error is None:
            claims.take(each)


def _still_referenced(session: Session, rows: list[Any]) -> dict[int, dict[str, int]]:
    """id(row) -> {table: count} of the rows to delete that others reference."""
    found: dict[int, dict[str, int]] = {}
    by_model: dict[type, list[Any]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    for members in by_model.values():
        for row, counts in zip(members, records.references_to_many(session, members), strict=True):
            if counts:
                found[id(row)] = counts
    return found


def _first_error(
    resource: Resource,
    each: Plan,
    missing: dict[Row, dict[str, list[str]]],
    claims: Claims,
    referenced: dict[int, dict[str, int]],
) -> ShopDBError | None:
    """The first thing wrong with a record, in the order its writes would
    meet them one by one: its own rows, the nested rows to delete, then
    each nested row."""
    own = [row for row in each.own if row.audited]
    problems: dict[str, Any] = {}
    for row in own:
        problems.update(missing[row])
    conflicts = [found for row in reversed(own) for found in claims.conflicts(each, row)]
    steps = [_conflict(conflicts), _missing(problems)]
    for error in steps[::1] if resource.storage.uniques_first else steps[::-1]:
        if error is not None:
            return error
    for row in each.deletes:
        counts = referenced.get(id(row))
        if counts:
            listed = ", ".join(f"{count} in {table}" for table, count in sorted(counts.items()))
            what = f"{row.__table__.name} {records.row_key(row)}"
            return ConflictError(
                f"Cannot delete {what}: other rows still reference it ({listed}).",
                {"references": counts},
            )
    for row in each.nested:
        error = _missing(missing[row]) or _conflict(claims.conflicts(each, row))
        if error is not None:
            error.details = row.wrapped(error.details)
            return error
    return None


def _missing(problems: dict[str, Any]) -> InvalidInputError | None:
    if not problems:
        return None
    return InvalidInputError("A referenced row does not exist; see details.", problems)


def _conflict(conflicts: list[tuple[tuple[str, ...], str]]) -> ConflictError | None:
    try:
        records.refuse_conflicts(conflicts)
    except ConflictError as error:
        return error
    return None


class Claims:
    """Unique values as the batch leaves them, record by record: held in the
    database (unless an earlier record of the batch changed or deleted the
    row holding it), or taken by an earlier record of the batch."""

    def __init__(
        self,
        holders: dict[type[Base], dict[tuple[str, ...], list[Any]]],
        wanted: dict[type[Base], dict[tuple[str, ...], set[tuple[Any, ...]]]],
    ) -> None:
        self.wanted = wanted
        self.taken: dict[tuple[str, tuple[str, ...], tuple[Any, ...]], int] = {}
        self.given_up: set[tuple[str, Any, tuple[str, ...] | None]] = set()
        # The holders of each value, found without a pass over all of them
        # per row; a row the database found but no value asked equals as
        # Python compares (its collation counts another spelling as equal)
        # is compared loosely with every row.
        self.exact: dict[tuple[type[Base], tuple[str, ...]], dict[Any, list[Any]]] = {}
        self.loose: dict[tuple[type[Base], tuple[str, ...]], list[Any]] = {}
        for model, groups in holders.items():
            for group, held_rows in groups.items():
                asked = wanted.get(model, {}).get(group, set())
                exact = self.exact.setdefault((model, group), {})
                for held, holder, sentence in held_rows:
                    exact.setdefault(held, []).append((held, holder, sentence))
                    if held not in asked:
                        self.loose.setdefault((model, group), []).append((held, holder, sentence))

    def _candidates(
        self, model: type[Base], group: tuple[str, ...], wanted: tuple[Any, ...]
    ) -> list[Any]:
        found = list(self.exact.get((model, group), {}).get(wanted, ()))
        loose = self.loose.get((model, group))
        if loose:
            folded = _loose(wanted)
            found += [item for item in loose if item[0] != wanted and _loose(item[0]) == folded]
        return found

    def conflicts(self, each: Plan, row: Row) -> list[tuple[tuple[str, ...], str]]:
        table = row.table
        own_key = None if row.instance is None else records.row_key(row.instance)
        # The record's own deletes come first, as they did row by row.
        deleted = {(gone.__table__.name, records.row_key(gone), None) for gone in each.deletes}
        found = []
        for group in records.unique_groups(table):
            values = row.group_values(group)
            if values is None:
                continue
            wanted = records.comparable(table, group, values)
            for _held, holder, sentence in self._candidates(row.model, group, wanted):
                if holder == own_key:
                    continue
                gone = (table.name, holder, None)
                if (table.name, holder, group) in self.given_up or gone in self.given_up:
                    continue
                if gone in deleted:
                    continue
                found.append((group, sentence))
                break
            else:
                earlier = self.taken.get((table.name, group, wanted))
                if earlier is not None and earlier != each.index:
                    shown = ", ".join(
                        f"{name}={value!r}" for name, value in zip(group, values, strict=True)
                    )
                    found.append(
                        (
                            group,
                            f"Another {table.name} row (item {earlier} of this batch) "
                            f"already has {shown}.",
                        )
                    )
        return found

    def take(self, each: Plan) -> None:
        for row in each.writes:
            for group in records.unique_groups(row.table):
                values = row.group_values(group)
                if values is not None:
                    key = (row.table.name, group, records.comparable(row.table, group, values))
                    self.taken[key] = each.index
                    if row.instance is not None:
                        self.given_up.add((row.table.name, records.row_key(row.instance), group))
        for gone in each.deletes:
            self.given_up.add((gone.__table__.name, records.row_key(gone), None))


def _loose(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(value.casefold().rstrip() if isinstance(value, str) else value for value in values)


# Writing -------------------------------------------------------------------------


def write(session: Session, plans: list[Plan], entries: list[dict[str, Any]]) -> None:
    """Deletes, updates, inserts and audit entries of every plan, each kind
    in as few statements as its tables need."""
    gone = {id(row): snapshot(row) for each in plans for row in each.deletes}
    records.delete_rows(session, [row for each in plans for row in each.deletes])
    now = utcnow()
    changes = []
    for each in plans:
        for row in each.writes:
            if row.instance is not None:
                # Only the written columns can change (the times aside,
                # which the audit leaves out).
                row.before = snapshot(row.instance, row.values) if row.audited else {}
                values = dict(row.values)
                if "modifiedat" in row.table.c:
                    values["modifiedat"] = now
                changes.append((row.instance, values))
    records.update_rows(session, changes)
    _insert(session, [row for each in plans for row in each.writes if row.instance is None])
    for each in plans:
        for row in each.own:
            _audit(row, entries)
        for _part, deletes, rows in each.parts:
            entries.extend(records.deleted_entry(row, gone[id(row)]) for row in deletes)
            for row in rows:
                _audit(row, entries)
    records.write_audit(session, entries)


def _insert(session: Session, rows: list[Row]) -> None:
    """Parents first (a child needs its parent's key), each table in one
    statement, tables in the order their foreign keys ask."""
    order = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}
    while rows:
        ready = [row for row in rows if row.parent is None or row.parent.written is not None]
        by_model: dict[type[Base], list[Row]] = {}
        for row in sorted(ready, key=lambda row: order.get(row.table.name, 0)):
            by_model.setdefault(row.model, []).append(row)
        for model, members in by_model.items():
            values = []
            for row in members:
                given = {**row.values, **row.fixed}
                if row.parent is not None:
                    given[row.link] = getattr(row.parent.written, row.parent_key)
                values.append(given)
            for row, made in zip(members, records.insert_rows(session, model, values), strict=True):
                row.written = made
        rows = [row for row in rows if row.written is None]


def _audit(row: Row, entries: list[dict[str, Any]]) -> None:
    if not row.audited:
        return
    if row.instance is None:
        entries.append(records.created_entry(row.written))
        return
    row.changes = diff(row.before, snapshot(row.instance, row.values))
    if row.changes:
        entries.append(records.changed_entry(row.instance, row.changes))


def saved(each: Plan) -> Saved:
    """What the record's write did, its nested rows shown as written."""
    if each.instance is None:
        record = each.rows[-1].written
        for part, _deletes, rows in each.parts:
            part.settle(record, [row.written for row in rows])
        return Saved(record, CREATED)
    changes: dict[str, Any] = {}
    for row in each.own:
        changes.update(row.changes)
    for part, deletes, rows in each.parts:
        if not deletes and not rows:
            continue
        dropped = {id(row) for row in deletes}
        kept = [row for row in part.rows(each.instance) if id(row) not in dropped]
        part.settle(each.instance, kept + [row.written for row in rows if row.instance is None])
        changes[part.name] = {
            "before": each.before[part.name],
            "after": part.shown(part.rows(each.instance)),
        }
    return Saved(each.instance, UPDATED if changes else NOOP, changes)
