"""network: its lookup names unique in any case, a unique index on lower(label)
on SQLite and PostgreSQL (MySQL/MariaDB collations ignore case already).
Names that differ only in case are refused first, each named (ADR 0009).

Revision ID: network_0002
Revises: network_0001
"""

from collections.abc import Sequence

from shopdb.api import create_unique_in_any_case, drop_unique_in_any_case

revision: str = "network_0002"
down_revision: str | Sequence[str] | None = "network_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOOKUPS = (("networkdevicetypes", "networkdevicetype"),)


def upgrade() -> None:
    for table, column in LOOKUPS:
        create_unique_in_any_case(table, column)


def downgrade() -> None:
    for table, column in reversed(LOOKUPS):
        drop_unique_in_any_case(table, column)
