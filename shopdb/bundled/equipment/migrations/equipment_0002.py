"""equipment: its lookup names unique in any case, a unique index on lower(label)
on SQLite and PostgreSQL (MySQL/MariaDB collations ignore case already).
Names that differ only in case are refused first, each named (ADR 0009).

Revision ID: equipment_0002
Revises: equipment_0001
"""

from collections.abc import Sequence

from shopdb.api import create_unique_in_any_case, drop_unique_in_any_case

revision: str = "equipment_0002"
down_revision: str | Sequence[str] | None = "equipment_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOOKUPS = (
    ("equipmenttypes", "equipmenttype"),
    ("controllertypes", "controllertype"),
    ("controlleroses", "controlleros"),
)


def upgrade() -> None:
    for table, column in LOOKUPS:
        create_unique_in_any_case(table, column)


def downgrade() -> None:
    for table, column in reversed(LOOKUPS):
        drop_unique_in_any_case(table, column)
