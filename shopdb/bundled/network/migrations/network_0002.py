"""network: device types are unique in any case ("Switch" is "switch").

Revision ID: network_0002
Revises: network_0001
"""

from collections.abc import Sequence

from shopdb.api import create_unique_in_any_case, drop_unique_in_any_case

revision: str = "network_0002"
down_revision: str | Sequence[str] | None = "network_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing twins are refused, each named, before anything changes (ADR 0011).
    create_unique_in_any_case(("networkdevicetypes", "networkdevicetype"))


def downgrade() -> None:
    drop_unique_in_any_case(("networkdevicetypes", "networkdevicetype"))
