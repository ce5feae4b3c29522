"""Indexes for the sort keys the API documents on tables that grow: a page
sorted by `-modifiedat` (or `createdat`) reads its rows in index order,
and a cursor (keyset) page starts in the index where the last one ended,
instead of sorting 100,000 rows per request.

The default order of assets, `assetnumber`, uses the unique index on it:
the list no longer adds the primary key as a tie-breaker after a key that
is unique and never empty (shopdb.resources.queries.sort_keys).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("assets", "createdat"),
    ("assets", "modifiedat"),
    ("assetrelationships", "createdat"),
    ("assetrelationships", "modifiedat"),
    ("auditlogs", "createdat"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"idx_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"idx_{table}_{column}", table_name=table)
