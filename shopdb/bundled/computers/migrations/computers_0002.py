"""computers: computer types are unique in any case ("CMM PC" is "cmm pc").

Revision ID: computers_0002
Revises: computers_0001
"""

from collections.abc import Sequence

from shopdb.api import create_unique_in_any_case, drop_unique_in_any_case

revision: str = "computers_0002"
down_revision: str | Sequence[str] | None = "computers_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing twins are refused, each named, before anything changes (ADR 0011).
    create_unique_in_any_case(("computertypes", "computertype"))


def downgrade() -> None:
    drop_unique_in_any_case(("computertypes", "computertype"))
