"""Lookup names unique in any case: "DMG MORI" and "DMG Mori" are one vendor on
every database (ADR 0011).

MySQL and MariaDB compare names through a collation that ignores case, so
their plain unique constraint already holds. SQLite and PostgreSQL compare
case, so a lookup's label column gets a second, case-folded unique index
there: `CREATE UNIQUE INDEX uq_<table>_lower_<column> ON <table> (lower(<column>))`.
That index, not a check in Python, is what stops two concurrent writers of
"Win X" and "WIN X" from making two rows.

A model declares it once, after its class (`unique_in_any_case(Vendor.vendor)`);
its migration creates it with `create_unique_in_any_case(("vendors", "vendor"))`,
which first refuses, naming them, rows that differ only in case (ADR 0011 says
why they are reported, not merged).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, Index, func, inspect, select, table, text
from sqlalchemy import column as column_clause

from shopdb.errors import ShopDBError

# The databases whose plain comparison of names heeds case.
CASE_SENSITIVE_DIALECTS = ("sqlite", "postgresql")
# PostgreSQL cuts longer identifiers, and two indexes could then clash.
MAXIMUM_NAME_LENGTH = 63
# How many twin groups a refusal lists.
TWINS_SHOWN = 20


class CaseTwinsError(ShopDBError):
    """Rows of a lookup whose names differ only in case, which the case-folded
    unique index cannot be created over."""


def index_name(tablename: str, columnname: str) -> str:
    return f"uq_{tablename}_lower_{columnname}"


def unique_in_any_case(attribute: Any) -> Index:
    """Declare the model column `attribute` (`Vendor.vendor`) unique whatever
    the case of its letters: a unique index on lower(column), created where
    the database compares case (SQLite, PostgreSQL). Call it after the class."""
    columns = getattr(getattr(attribute, "property", None), "columns", None)
    column = columns[0] if columns else attribute
    if not isinstance(column, Column) or column.table is None:
        raise ValueError(
            f"unique_in_any_case() needs a model's column (Vendor.vendor), not {attribute!r}."
        )
    name = index_name(column.table.name, column.name)
    if len(name) > MAXIMUM_NAME_LENGTH:
        raise ValueError(
            f"The index name {name!r} is longer than {MAXIMUM_NAME_LENGTH} characters; "
            "shorten the table or column name."
        )
    index = Index(
        name,
        func.lower(column),
        unique=True,
        info={"anycase": column.name, "dialects": CASE_SENSITIVE_DIALECTS},
    )
    # Documented to take several dialect names; the annotation says one.
    index.ddl_if(dialect=CASE_SENSITIVE_DIALECTS)  # type: ignore[arg-type]
    return index


def applies(index: Index, dialect: str) -> bool:
    """False for a case-folded index on a database that does not get one."""
    dialects = index.info.get("dialects")
    return dialects is None or dialect in dialects


def anycase_indexes(tables: Any) -> list[Index]:
    """The case-folded unique indexes declared on `tables`."""
    return [index for each in tables for index in each.indexes if "anycase" in index.info]


# In migrations ----------------------------------------------------------------


def case_twins(connection: Connection, tablename: str, columnname: str) -> list[list[Any]]:
    """Groups of (key, name) rows whose names differ only in case, compared as
    the index will compare them (the database's lower())."""
    lookup = table(tablename, column_clause(columnname))
    folded = func.lower(lookup.c[columnname])
    repeated = (
        select(folded.label("folded"))
        .group_by(folded)
        .having(func.count() > 1)
        .order_by(folded)
        .limit(TWINS_SHOWN + 1)
    )
    groups = [row.folded for row in connection.execute(repeated)]
    if not groups:
        return []
    key = primary_key(connection, tablename)
    rows = table(tablename, column_clause(key), column_clause(columnname))
    found = connection.execute(
        select(rows.c[key], rows.c[columnname], func.lower(rows.c[columnname]))
        .where(func.lower(rows.c[columnname]).in_(groups))
        .order_by(rows.c[key])
    ).all()
    return [[(row[0], row[1]) for row in found if row[2] == group] for group in groups]


def primary_key(connection: Connection, tablename: str) -> str:
    return str(inspect(connection).get_pk_constraint(tablename)["constrained_columns"][0])


def twins_message(tablename: str, columnname: str, key: str, twins: list[list[Any]]) -> str:
    listed = "; ".join(
        ", ".join(f"{name!r} ({key} {rowid})" for rowid, name in group)
        for group in twins[:TWINS_SHOWN]
    )
    if len(twins) > TWINS_SHOWN:
        listed += "; ..."
    return (
        f"{tablename}.{columnname} holds names that differ only in case, which ShopDB now "
        f"counts as one name: {listed}. Keep one row of each: point what refers to the others "
        f"at it (their {key}), then delete or rename the others (PATCH /api/{tablename}/<id>), "
        "and run the upgrade again. Nothing was changed."
    )


def create_unique_in_any_case(*lookups: tuple[str, str]) -> None:
    """In an Alembic revision: the case-folded unique index of each lookup's
    label column, given as (table, column), on the databases that compare
    case. Rows that differ only in case are refused first, each named, so
    the revision changes nothing."""
    from alembic import op

    connection = op.get_bind()
    if connection.dialect.name not in CASE_SENSITIVE_DIALECTS:
        return
    for tablename, columnname in lookups:
        twins = case_twins(connection, tablename, columnname)
        if twins:
            key = primary_key(connection, tablename)
            raise CaseTwinsError(twins_message(tablename, columnname, key, twins))
        op.create_index(
            index_name(tablename, columnname),
            tablename,
            [text(f"lower({columnname})")],
            unique=True,
        )


def drop_unique_in_any_case(*lookups: tuple[str, str]) -> None:
    """In an Alembic revision's downgrade: drop what `create_unique_in_any_case` made."""
    from alembic import op

    if op.get_bind().dialect.name in CASE_SENSITIVE_DIALECTS:
        for tablename, columnname in reversed(lookups):
            op.drop_index(index_name(tablename, columnname), table_name=tablename)
