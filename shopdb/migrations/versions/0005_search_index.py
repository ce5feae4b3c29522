"""The search index table `searchentries` (ADR 0015): one row per
searchable word of a record's field, read by GET /api/search and every
list's `q` through B-tree ranges instead of scanning with LIKE.

The table starts empty: `shopdb db upgrade` then runs `shopdb search
rebuild` (shopdb/cli/searchindex.py), which fills it from the records, and
the write path keeps it current.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TERM_LENGTH = 64


def upgrade() -> None:
    binary = mysql.VARCHAR(TERM_LENGTH, charset="utf8mb4", collation="utf8mb4_bin")
    term = (
        sa.String(TERM_LENGTH)
        .with_variant(binary, "mysql")
        .with_variant(binary, "mariadb")
        .with_variant(postgresql.VARCHAR(TERM_LENGTH, collation="C"), "postgresql")
    )
    op.create_table(
        "searchentries",
        sa.Column("searchentryid", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(100), nullable=False),
        sa.Column("recordid", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("term", term, nullable=False),
        sa.Column("iswhole", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.Column("isidentity", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("searchentryid", name="pk_searchentries"),
    )
    op.create_index(
        "idx_searchentries_resource_iswhole_term",
        "searchentries",
        ["resource", "iswhole", "term"],
    )
    op.create_index(
        "idx_searchentries_resource_recordid_term",
        "searchentries",
        ["resource", "recordid", "term"],
    )


def downgrade() -> None:
    op.drop_index("idx_searchentries_resource_recordid_term", table_name="searchentries")
    op.drop_index("idx_searchentries_resource_iswhole_term", table_name="searchentries")
    op.drop_table("searchentries")
