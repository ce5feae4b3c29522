"""Column values in a database-neutral form.

Each column gets a kind from its type; the kind decides how a value is
written to JSON and read back. The same rows read from SQLite, MariaDB or
PostgreSQL encode to the same bytes, so one checksum serves every database.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Time,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.types import _Binary

from shopdb.errors import ShopDBError

KINDS = (
    "binary",
    "boolean",
    "date",
    "datetime",
    "decimal",
    "float",
    "integer",
    "json",
    "string",
    "time",
)


def column_kind(table: Table, column: Column) -> str:
    """The kind of a (reflected) column. MySQL stores booleans as TINYINT(1),
    which is what SQLAlchemy's Boolean creates there, so that reads as boolean."""
    kind = column.type
    if isinstance(kind, Boolean) or (
        isinstance(kind, mysql.TINYINT) and getattr(kind, "display_width", None) == 1
    ):
        return "boolean"
    for base, name in (
        (Integer, "integer"),
        (Float, "float"),
        (Numeric, "decimal"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Time, "time"),
        (JSON, "json"),
        (LargeBinary, "binary"),
        (_Binary, "binary"),
        (String, "string"),
    ):
        if isinstance(kind, base):
            return name
    raise ShopDBError(
        f"The column {table.name}.{column.name} has the type {kind!r}, which a backup "
        "cannot carry between databases; report this as a ShopDB bug."
    )


def _decimal(value: Any) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _datetime(value: datetime | str) -> str:
    """Always with microseconds. SQLite hands over its stored text, which
    SQLAlchemy wrote in exactly this form; anything else is parsed."""
    if value.__class__ is str and len(value) == 26 and value[10] == " ":
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.isoformat(sep=" ", timespec="microseconds")


def _date(value: date | str) -> str:
    if value.__class__ is str and len(value) == 10:
        return value
    return date.fromisoformat(value).isoformat() if isinstance(value, str) else value.isoformat()


def _json(value: Any) -> Any:
    """JSON as the database holds it: text from SQLite and MySQL/MariaDB."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# Kinds whose stored text some drivers hand over as is (see `raw_kinds`).
TEXT_KINDS = {"sqlite": ("date", "datetime", "json"), "mysql": ("json",), "mariadb": ("json",)}


def raw_kinds(dialect: str) -> tuple[str, ...]:
    """Kinds read as the driver's text on this database, skipping SQLAlchemy's
    parsing (a backup spends most of its time there otherwise)."""
    return TEXT_KINDS.get(dialect, ())


# None: the driver's value is already what JSON carries (no call per value).
ENCODERS: dict[str, Callable[[Any], Any] | None] = {
    "binary": lambda value: base64.b64encode(bytes(value)).decode("ascii"),
    "boolean": bool,
    "date": _date,
    "datetime": _datetime,
    "decimal": _decimal,
    "float": float,
    "integer": int,
    "json": _json,
    "string": None,
    "time": lambda value: value.isoformat(),
}

# One encoder for every line: json.dumps with options builds a new one per call.
LINE_ENCODER = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), sort_keys=True, allow_nan=False
)


def _json_text(value: Any) -> str:
    return LINE_ENCODER.encode(value)


# What a row's JSON value becomes as a driver parameter, on every supported
# driver: dates and times stay in the archive's ISO text (each database
# parses it into its own type), JSON goes in as its text, binary as bytes.
# None: the JSON value is the parameter as it is.
BINDERS: dict[str, Callable[[Any], Any] | None] = {
    "binary": base64.b64decode,
    "boolean": bool,
    "date": None,
    "datetime": None,
    "decimal": None,
    "float": float,
    "integer": None,
    "json": _json_text,
    "string": None,
    "time": None,
}


class RowCodec:
    """Encodes a table's rows to JSON lines and back, columns in a fixed order."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.kinds = tuple(kinds)
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ShopDBError(f"Unknown column kind(s) {', '.join(unknown)} in the archive.")
        self.converted: list[tuple[int, Callable[[Any], Any]]] = [
            (index, encoder)
            for index, kind in enumerate(self.kinds)
            if (encoder := ENCODERS[kind]) is not None
        ]
        self.bound: list[tuple[int, Callable[[Any], Any]]] = [
            (index, binder)
            for index, kind in enumerate(self.kinds)
            if (binder := BINDERS[kind]) is not None
        ]

    def encode(self, row: Iterable[Any]) -> bytes:
        values = list(row)
        if len(values) != len(self.kinds):
            raise ValueError(f"expected {len(self.kinds)} values, not {len(values)}")
        for index, convert in self.converted:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return (LINE_ENCODER.encode(values) + "\n").encode("ascii")

    def bind(self, line: bytes) -> list[Any]:
        """A line as driver parameters (see BINDERS)."""
        values = json.loads(line)
        if not isinstance(values, list) or len(values) != len(self.kinds):
            raise ValueError(f"expected a list of {len(self.kinds)} values")
        for index, convert in self.bound:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return values
