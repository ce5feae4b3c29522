"""equipment: equipment types, controller types and controller OSes are
unique in any case; existing twins are refused, each named (ADR 0011).

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
    create_unique_in_any_case(*LOOKUPS)


def downgrade() -> None:
    drop_unique_in_any_case(*LOOKUPS)
