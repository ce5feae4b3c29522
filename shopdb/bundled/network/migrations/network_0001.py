"""network: network devices and their device types.

Creates exactly what models.py declares (types, nullability, constraint and
index names); the contract suite and `shopdb db check` compare the two.

Revision ID: network_0001
Depends on: 0002, the core head
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "network_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("network",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "networkdevicetypes",
        sa.Column("networkdevicetypeid", sa.Integer(), nullable=False),
        sa.Column("networkdevicetype", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("networkdevicetypeid", name=op.f("pk_networkdevicetypes")),
        sa.UniqueConstraint(
            "networkdevicetype", name=op.f("uq_networkdevicetypes_networkdevicetype")
        ),
    )
    op.create_table(
        "networkdevices",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("networkdevicetypeid", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=True),
        sa.Column("ipaddress", sa.String(length=45), nullable=True),
        sa.Column("macaddress", sa.String(length=17), nullable=True),
        sa.Column("vlan", sa.Integer(), nullable=True),
        sa.Column("firmware", sa.String(length=100), nullable=True),
        sa.Column("managementurl", sa.String(length=500), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["assets.assetid"],
            name=op.f("fk_networkdevices_assetid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["networkdevicetypeid"],
            ["networkdevicetypes.networkdevicetypeid"],
            name=op.f("fk_networkdevices_networkdevicetypeid"),
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_networkdevices")),
        sa.UniqueConstraint("macaddress", name=op.f("uq_networkdevices_macaddress")),
    )
    for column in ("networkdevicetypeid", "hostname", "ipaddress", "vlan"):
        op.create_index(
            op.f(f"idx_networkdevices_{column}"), "networkdevices", [column], unique=False
        )


def downgrade() -> None:
    # Dropping the table drops its indexes; MySQL refuses to drop the index of
    # a foreign key on its own.
    op.drop_table("networkdevices")
    op.drop_table("networkdevicetypes")
