"""Declarative base, naming convention and reusable column types for every model.

Names follow the contract (DESIGN.md section 3): lowercase tables and columns run
together, `<table-singular>id` primary keys, `idx_<table>_<column>` indexes.
Constraint names are derived here so migrations are identical on every database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

from sqlalchemy import Boolean, DateTime, Double, MetaData, String, Table, Text, true
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "idx_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC timestamps: every supported database stores them the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


def case_sensitive_string(length: int) -> String:
    """A string compared byte for byte on every database.

    SQLite and PostgreSQL compare case-sensitively by default; MySQL and MariaDB
    collations ignore case, so the column gets a binary collation there.
    """
    binary = mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin")
    return String(length).with_variant(binary, "mysql", "mariadb")


# Microseconds everywhere: MySQL's plain DATETIME would drop them, so a reply
# could show a time the database does not hold.
TIMESTAMP = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

# Reusable column shapes -------------------------------------------------------
intpk = Annotated[int, mapped_column(primary_key=True)]
name100 = Annotated[str, mapped_column(String(100))]
label200 = Annotated[str | None, mapped_column(String(200))]
text = Annotated[str | None, mapped_column(Text)]
coordinate = Annotated[float | None, mapped_column(Double)]
flag_true = Annotated[
    bool, mapped_column(Boolean, nullable=False, default=True, server_default=true())
]


class Base(DeclarativeBase):
    """Base of every ShopDB model, core and plugin alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model maps one table (never a join or a select), so its
        # columns are Columns and the table has a name.
        __table__: ClassVar[Table]


class TimestampMixin:
    """`createdat` and `modifiedat`, kept by SQLAlchemy on every write (ORM and
    Core alike). No server default: MySQL refuses CURRENT_TIMESTAMP on a
    microsecond column, and one source of time is simpler anyway."""

    createdat: Mapped[datetime] = mapped_column(TIMESTAMP, nullable=False, default=utcnow)
    modifiedat: Mapped[datetime] = mapped_column(
        TIMESTAMP, nullable=False, default=utcnow, onupdate=utcnow
    )
