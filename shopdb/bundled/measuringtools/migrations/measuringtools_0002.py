"""measuringtools: instrument types are unique in any case ("CMM" is "cmm").

Revision ID: measuringtools_0002
Revises: measuringtools_0001
"""

from collections.abc import Sequence

from shopdb.api import create_unique_in_any_case, drop_unique_in_any_case

revision: str = "measuringtools_0002"
down_revision: str | Sequence[str] | None = "measuringtools_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing twins are refused, each named, before anything changes (ADR 0011).
    create_unique_in_any_case(("instrumenttypes", "instrumenttype"))


def downgrade() -> None:
    drop_unique_in_any_case(("instrumenttypes", "instrumenttype"))
