"""Column values in a database-neutral form.

Each column gets a kind from its type; the kind decides how a value is
written to JSON and read back. The same rows read from SQLite, MariaDB or
PostgreSQL encode to the same bytes, so one checksum serves every database.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
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
    Uuid,
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
        (Uuid, "string"),
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


def _datetime(value: datetime) -> str:
    return value.isoformat(sep=" ")


ENCODERS: dict[str, Callable[[Any], Any]] = {
    "binary": lambda value: base64.b64encode(bytes(value)).decode("ascii"),
    "boolean": bool,
    "date": lambda value: value.isoformat(),
    "datetime": _datetime,
    "decimal": _decimal,
    "float": float,
    "integer": int,
    "json": lambda value: value,
    "string": str,
    "time": lambda value: value.isoformat(),
}

DECODERS: dict[str, Callable[[Any], Any]] = {
    "binary": base64.b64decode,
    "boolean": bool,
    "date": date.fromisoformat,
    "datetime": datetime.fromisoformat,
    "decimal": Decimal,
    "float": float,
    "integer": int,
    "json": lambda value: value,
    "string": str,
    "time": time.fromisoformat,
}


class RowCodec:
    """Encodes a table's rows to JSON lines and back, columns in a fixed order."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.kinds = tuple(kinds)
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ShopDBError(f"Unknown column kind(s) {', '.join(unknown)} in the archive.")
        self.encoders = [ENCODERS[kind] for kind in self.kinds]
        self.decoders = [DECODERS[kind] for kind in self.kinds]

    def encode(self, row: Iterable[Any]) -> bytes:
        values = [
            None if value is None else encode(value)
            for encode, value in zip(self.encoders, row, strict=True)
        ]
        return (
            json.dumps(values, ensure_ascii=True, separators=(",", ":"), sort_keys=True) + "\n"
        ).encode("ascii")

    def decode(self, line: bytes) -> list[Any]:
        values = json.loads(line)
        if not isinstance(values, list) or len(values) != len(self.decoders):
            raise ValueError(f"expected a list of {len(self.decoders)} values")
        return [
            None if value is None else decode(value)
            for decode, value in zip(self.decoders, values, strict=True)
        ]
