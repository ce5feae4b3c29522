"""The search index: what the global search and every list's `q` read
instead of scanning the searchable columns (ADR 0015).

Derived data: rows are written only by the write path's after-write hook
(`shopdb.resources.searchindex`) and by `shopdb search rebuild`, never by
hand, so they carry no timestamps of their own.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, SmallInteger, String
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.models.base import Base, intpk

# The longest text a term keeps; longer values and queries are compared by
# their first TERM_LENGTH characters.
TERM_LENGTH = 64

# Terms compare byte for byte on every database, so that the prefix range
# [q, successor of q) holds exactly the terms that start with q: binary on
# MySQL/MariaDB, the "C" collation on PostgreSQL (a language collation may
# order "pc-1" and "pc1" side by side), SQLite's default elsewhere.
TERM = (
    String(TERM_LENGTH)
    .with_variant(mysql.VARCHAR(TERM_LENGTH, charset="utf8mb4", collation="utf8mb4_bin"), "mysql")
    .with_variant(mysql.VARCHAR(TERM_LENGTH, charset="utf8mb4", collation="utf8mb4_bin"), "mariadb")
    .with_variant(postgresql.VARCHAR(TERM_LENGTH, collation="C"), "postgresql")
)


class SearchEntry(Base):
    """One searchable word of one field of one record: the whole value
    (`iswhole`, for exact and prefix matches) or the text from a later word
    on (for matches inside the value), folded to lower case."""

    __tablename__ = "searchentries"

    searchentryid: Mapped[intpk]
    resource: Mapped[str] = mapped_column(String(100))
    recordid: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    term: Mapped[str] = mapped_column(TERM)
    iswhole: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[int] = mapped_column(SmallInteger)
    isidentity: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index(None, "resource", "iswhole", "term"),
        # The writes find a record's entries, a list's rank and a dense
        # list's EXISTS its matching ones, and check their field in the index
        # (core 0006; a computer's entries hold fields of the core list too).
        Index(None, "resource", "recordid", "term", "field"),
    )
