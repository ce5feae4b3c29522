"""Lookup names unique in any case: a unique index on lower(label) for every
core lookup table, on SQLite and PostgreSQL (MySQL/MariaDB collations ignore
case already). Names that differ only in case are refused first, each named;
see ADR 0011. relationshiptypes.relationshiptype stays case-sensitive.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from shopdb.models.lookups import create_unique_in_any_case, drop_unique_in_any_case

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOOKUPS = (
    ("assetstatuses", "assetstatus"),
    ("assettypes", "assettype"),
    ("businessunits", "businessunit"),
    ("locationtypes", "locationtype"),
    ("operatingsystems", "operatingsystem"),
    ("vendors", "vendor"),
)


def upgrade() -> None:
    create_unique_in_any_case(*LOOKUPS)


def downgrade() -> None:
    drop_unique_in_any_case(*LOOKUPS)
