"""Lookups given by name: a write may name a row of a small lookup table (an
equipment type, an operating system) instead of sending its id, as a
collector does, which knows names and not ids.

A resource declares it once (`by_name={"equipmenttype": ByName(...)}`); the
framework adds the input field, and resolves the name to the id field before
the resource's `prepare` hook, with one rule for every resource:

- the row with exactly this name wins;
- else the one row whose name differs only in case;
- several rows that differ only in case and no exact one (left from before
  a lookup's case-folded unique index, ADR 0011, or letters beyond ASCII
  that SQLite's lower() keeps): a 400 naming them, for the caller to send
  the exact name or the id;
- none: a 400 naming the known values, or with `create=True` a new row,
  audited, safe against a concurrent push creating the same name in any
  case (the lookup's unique index makes the second insert fail; it then
  reads the first one's row).

The comparison is made in Python on the rows the database finds, so it is
the same on every database whatever its collation says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import Column, Select, func, or_, select
from sqlalchemy.orm import Session

from shopdb.errors import ConflictError, InvalidInputError, ShopDBError
from shopdb.resources.schemas import not_blank, safe_text
from shopdb.services import records

# How many known names an "unknown name" message lists.
KNOWN_SHOWN = 10


@dataclass(frozen=True)
class ByName:
    """A field that names a lookup row instead of giving its id.

    `idfield` is the resource's foreign key it resolves to; `column` the
    lookup model's name column (`EquipmentType.equipmenttype`), which must be
    the table the foreign key points at. `label` names the lookup in messages
    (default: the field's name). `create=True` creates a row when nothing
    matches the name. Whether a value is required when creating, and whether
    null is allowed, follow the id field's column (NOT NULL: required).
    """

    idfield: str
    column: Any
    label: str = ""
    create: bool = False


class NameLookup:
    """One `ByName` declaration bound to its resource: checked when the
    resource is declared, then used on every write."""

    def __init__(
        self,
        owner: str,
        name: str,
        declaration: ByName,
        columns: Mapping[str, Column],
        writable: Collection[str],
    ) -> None:
        if not isinstance(declaration, ByName):
            raise ValueError(
                f"{owner}: by_name[{name!r}] must be a ByName(idfield, column), not "
                f"{type(declaration).__name__}."
            )
        self.name = name
        self.idfield = declaration.idfield
        self.create = declaration.create
        model = getattr(declaration.column, "class_", None)
        prop: Any = getattr(declaration.column, "property", None)
        if model is None or not getattr(prop, "columns", None):
            raise ValueError(
                f"{owner}: by_name[{name!r}] needs the lookup's name column as a model "
                "attribute (ByName('equipmenttypeid', EquipmentType.equipmenttype))."
            )
        self.model = model
        self.namecolumn: Column = prop.columns[0]
        table = self.namecolumn.table
        (self.key,) = table.primary_key.columns
        if self.idfield not in writable:
            raise ValueError(
                f"{owner}: by_name[{name!r}] resolves to {self.idfield!r}, which is not a "
                "field the resource writes."
            )
        idcolumn = columns[self.idfield]
        if not any(key.column is self.key for key in idcolumn.foreign_keys):
            raise ValueError(
                f"{owner}: by_name[{name!r}] names {table.name}.{self.namecolumn.name}, but "
                f"{self.idfield} is not a foreign key to {table.name}.{self.key.name}."
            )
        if self.create:
            needed = [
                column.name
                for column in table.columns
                if column is not self.key
                and column is not self.namecolumn
                and not column.nullable
                and column.default is None
                and column.server_default is None
            ]
            if needed:
                raise ValueError(
                    f"{owner}: by_name[{name!r}] may create {table.name} rows, but their "
                    f"{', '.join(needed)} would need a value; give those columns a default."
                )
        self.required = not idcolumn.nullable
        self.label = declaration.label or name
        self.url = f"/api/{table.name}"

    # Schema ------------------------------------------------------------------

    def input_field(self) -> fields.String:
        """The input-only name field of the create and update schemas."""
        description = (
            f"The {self.label} by name, instead of its id ({self.idfield}); case is ignored "
            "unless two names differ only in case."
        )
        if self.create:
            description += f" A new {self.label} is created when none has this name."
        if self.required:
            description += f" Required when creating, unless {self.idfield} is sent."
        length = getattr(self.namecolumn.type, "length", None)
        return fields.String(
            load_only=True,
            allow_none=not self.required,
            validate=[validate.Length(min=1, max=length), safe_text, not_blank],
            metadata={"description": description},
        )

    def id_description(self) -> str:
        required = "required when creating unless" if self.required else "or send"
        return f"The {self.label}'s id; {required} {self.name} names it."

    # Resolving ---------------------------------------------------------------

    def find(self, session: Session, text: str, *, lock: bool = False) -> tuple[int | None, str]:
        """(the id of the row `text` names, or None; a problem, or "")"""
        if lock:
            return self.match(text, session.execute(self._candidates([text], lock)).all())
        return self.find_many(session, [text])[text]

    def find_many(
        self, session: Session, texts: Collection[str]
    ) -> dict[str, tuple[int | None, str]]:
        """`find` of every name of a batch, with one query for those the unit
        of work has not seen yet."""
        memory = records.known(session)
        table = self.namecolumn.table.name
        found: dict[str, tuple[int | None, str]] = {}
        asked = []
        for text in texts:
            remember = (table, self.namecolumn.key, text)
            if memory is not None and remember in memory:
                found[text] = (memory[remember], "")
            else:
                asked.append(text)
        if asked:
            rows = session.execute(self._candidates(asked, False)).all()
            for text in asked:
                found[text] = self.match(text, rows)
                key, _problem = found[text]
                if memory is not None and key is not None:
                    memory[(table, self.key.key, key)] = True  # a row that exists
                    if any(name == text for _key, name in rows):
                        memory[(table, self.namecolumn.key, text)] = key
        return found

    def match(self, text: str, rows: Collection[Any]) -> tuple[int | None, str]:
        """The rule of the module's docstring, over the candidate rows."""
        exact = [key for key, name in rows if name == text]
        if exact:
            return exact[0], ""
        wanted = text.lower()
        folded = sorted((name, key) for key, name in rows if name.lower() == wanted)
        if len(folded) == 1:
            return folded[0][1], ""
        if folded:
            names = ", ".join(repr(name) for name, _ in folded)
            return None, (
                f"{text!r} matches several {self.label} names that differ only in case "
                f"({names}); send the exact name, or {self.idfield}."
            )
        return None, ""

    def resolve(
        self,
        session: Session,
        values: dict[str, Any],
        text: str | None,
        looked: tuple[int | None, str] | None = None,
        unknown: Callable[[str], str] | None = None,
    ) -> str:
        """Set the id field in `values` from the name `text` (None when the
        row is still to be created); returns the problem, or "". `looked` is
        what `find_many` said of the name, `unknown` words an unknown one."""
        found: int | None = None
        if text is not None:
            found, problem = self.find(session, text) if looked is None else looked
            if problem:
                return problem
            if found is None and not self.create:
                return (unknown or functools.partial(self.unknown, session))(text)
        given = values.get(self.idfield, found)
        if given != found or (found is None and text is not None and self.idfield in values):
            if found is not None:
                what = f"the {self.label} {text!r} (id {found})"
            elif text is not None:
                what = f"a new {self.label} {text!r}"
            else:
                what = f"no {self.label}"
            shown = "null" if given is None else given
            return f"Names {what}, but {self.idfield} is {shown}; send one of the two."
        values[self.idfield] = found
        return ""

    def _candidates(self, texts: Collection[str], lock: bool) -> Select:
        """Every row that may match one of the names: the database's
        comparison only narrows the search (MySQL's collation ignores case and
        accents, SQLite's lower() folds ASCII letters only); `match` decides
        in Python. A name with other letters scans the table, which is small."""
        query = select(self.key, self.namecolumn)
        if all(text.isascii() for text in texts):
            column = self.namecolumn
            query = query.where(
                or_(
                    column.in_(sorted(texts)),
                    func.lower(column).in_(sorted(text.lower() for text in texts)),
                )
            )
        return query.with_for_update(read=True) if lock else query

    def unknown(self, session: Session, text: str) -> str:
        known = list(
            session.scalars(
                select(self.namecolumn).order_by(self.namecolumn).limit(KNOWN_SHOWN + 1)
            )
        )
        listed = ", ".join(repr(name) for name in known[:KNOWN_SHOWN]) or "none yet"
        if len(known) > KNOWN_SHOWN:
            listed += ", ..."
        return f"There is no {self.label} named {text!r} (known: {listed}); see {self.url}."

    def create_rows(
        self, session: Session, texts: Collection[str], entries: list[dict[str, Any]]
    ) -> dict[str, int | ShopDBError]:
        """Create the rows named `texts` (one per name in any case: the first
        spelling is kept) in one INSERT, their audit entries added to
        `entries`; {text: id}. When a concurrent push created one of them
        first, each name is created on its own (`create_row`), and a name that
        cannot be holds its error."""
        firsts: dict[str, str] = {}
        for text in texts:
            firsts.setdefault(text.lower(), text)
        wanted = list(firsts.values())
        try:
            with session.begin_nested():
                rows = records.insert_rows(
                    session, self.model, [{self.namecolumn.key: text} for text in wanted]
                )
        except ConflictError:
            made: dict[str, int | ShopDBError] = {}
            for text in wanted:
                try:
                    made[text] = self.create_row(session, text)
                except (ConflictError, InvalidInputError) as error:
                    made[text] = error
        else:
            entries.extend(records.created_entry(row) for row in rows)
            made = {
                text: getattr(row, self.key.key) for text, row in zip(wanted, rows, strict=True)
            }
            memory = records.known(session)
            if memory is not None:
                table = self.namecolumn.table.name
                memory.update({(table, self.namecolumn.key, text): made[text] for text in wanted})
        return {text: made[firsts[text.lower()]] for text in texts}

    def create_row(self, session: Session, text: str) -> int:
        """Create the row named `text` through the write path (references,
        insert, audit entry), in the write's unit of work. Pushes of the same
        new name may race: the loser's insert hits the unique constraint
        inside a savepoint and reads the winner's row (a locking read, which
        sees the latest committed row under MySQL's repeatable read as well)."""
        values = {self.namecolumn.key: text}
        try:
            with session.begin_nested():
                # The name was looked up just before: the database's unique
                # constraint is the check that remains.
                row = records.create_record(session, self.model, values, unique_checked=True)
        except ConflictError:
            found, _problem = self.find(session, text, lock=True)
            if found is None:
                self._refuse_collation_twins(session, text)
                raise ConflictError(
                    f"The {self.label} {text!r} was written at the same time; retry.",
                    {self.name: ["Written at the same time; retry."]},
                ) from None
            return found
        return getattr(row, self.key.key)

    def _refuse_collation_twins(self, session: Session, text: str) -> None:
        """A name the database counts as one it holds, though they differ
        (MySQL's collation ignores accents: 'Cafe' is 'Caf\u00e9' there), can
        never be added: a 400 naming the held one, not a race to retry."""
        held = list(session.scalars(select(self.namecolumn).where(self.namecolumn == text)))
        if held:
            names = ", ".join(repr(name) for name in held)
            message = (
                f"This database counts {text!r} as the same {self.label} as {names}; send "
                f"that name, or {self.idfield}."
            )
            raise InvalidInputError(message, {self.name: [message]})


def resolve_names(
    session: Session,
    lookups: Mapping[str, NameLookup],
    items: Sequence[tuple[dict[str, Any], bool]],
    entries: list[dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, list[str]], ShopDBError | None]]:
    """Every name of a batch's (values, creating) items replaced by its id
    field: one query per lookup for the whole batch; the rows to create (for
    the items without problems) made in one INSERT per lookup, audited into
    `entries`. Each item gets (values, problems by field, the error of a row
    that could not be created, or None)."""
    if not lookups:
        return [(values, {}, None) for values, _creating in items]
    looked = {
        name: lookup.find_many(
            session,
            {values[name] for values, _ in items if isinstance(values.get(name), str)},
        )
        for name, lookup in lookups.items()
    }
    wording: dict[tuple[str, str], str] = {}

    def unknown(lookup: NameLookup, text: str) -> str:
        if (lookup.name, text) not in wording:  # one query per name and batch
            wording[(lookup.name, text)] = lookup.unknown(session, text)
        return wording[(lookup.name, text)]

    resolved: list[tuple[dict[str, Any], dict[str, list[str]], ShopDBError | None]] = []
    pending: dict[str, list[tuple[int, str]]] = {}
    for index, (given, creating) in enumerate(items):
        values, problems, new = _resolve_one(session, lookups, given, creating, looked, unknown)
        if not problems:
            for name, text in new:
                pending.setdefault(name, []).append((index, text))
        resolved.append((values, problems, None))
    for name, wanted in pending.items():
        lookup = lookups[name]
        made = lookup.create_rows(session, [text for _index, text in wanted], entries)
        for index, text in wanted:
            values, problems, error = resolved[index]
            outcome = made[text]
            if isinstance(outcome, ShopDBError):
                resolved[index] = (values, problems, error or outcome)
            else:
                values[lookup.idfield] = outcome
    return resolved


def _resolve_one(
    session: Session,
    lookups: Mapping[str, NameLookup],
    given: dict[str, Any],
    creating: bool,
    looked: dict[str, dict[str, tuple[int | None, str]]],
    unknown: Callable[[NameLookup, str], str],
) -> tuple[dict[str, Any], dict[str, list[str]], list[tuple[str, str]]]:
    """(values with names resolved, problems by field, names still to create)"""
    values = dict(given)
    problems: dict[str, list[str]] = {}
    new = []
    for name, lookup in lookups.items():
        if name in values:
            text = values.pop(name)
            problem = lookup.resolve(
                session,
                values,
                text,
                None if text is None else looked[name][text],
                functools.partial(unknown, lookup),
            )
            if not problem and text is not None and values[lookup.idfield] is None:
                new.append((name, text))
        elif creating and lookup.required and values.get(lookup.idfield) is None:
            problem = (
                f"Missing data for required field; send {name} (the name) or {lookup.idfield}."
            )
        else:
            problem = ""
        if problem:
            problems[name] = [problem]
    return values, problems, new
