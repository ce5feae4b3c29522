"""computers: computer types, computers and their network interfaces.

Revision ID: computers_0001
Depends on: 0002, the core head when the plugin was written
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "computers_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("computers",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "computertypes",
        sa.Column("computertypeid", sa.Integer(), nullable=False),
        sa.Column("computertype", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("computertypeid", name=op.f("pk_computertypes")),
        sa.UniqueConstraint("computertype", name=op.f("uq_computertypes_computertype")),
    )
    op.create_table(
        "computers",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=100), nullable=False),
        sa.Column("computertypeid", sa.Integer(), nullable=True),
        sa.Column("operatingsystemid", sa.Integer(), nullable=True),
        sa.Column("loggedinuser", sa.String(length=100), nullable=True),
        sa.Column("lastseen", TIMESTAMP, nullable=True),
        sa.Column("warrantyend", sa.Date(), nullable=True),
        sa.Column("cpu", sa.String(length=100), nullable=True),
        sa.Column("memorymb", sa.Integer(), nullable=True),
        sa.Column("diskgb", sa.Integer(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["assets.assetid"],
            name=op.f("fk_computers_assetid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["computertypeid"],
            ["computertypes.computertypeid"],
            name=op.f("fk_computers_computertypeid"),
        ),
        sa.ForeignKeyConstraint(
            ["operatingsystemid"],
            ["operatingsystems.operatingsystemid"],
            name=op.f("fk_computers_operatingsystemid"),
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_computers")),
        sa.UniqueConstraint("hostname", name=op.f("uq_computers_hostname")),
    )
    for column in ("computertypeid", "operatingsystemid", "lastseen", "warrantyend"):
        op.create_index(op.f(f"idx_computers_{column}"), "computers", [column], unique=False)
    op.create_table(
        "computerinterfaces",
        sa.Column("computerinterfaceid", sa.Integer(), nullable=False),
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("macaddress", sa.String(length=17), nullable=False),
        sa.Column("ipaddress", sa.String(length=45), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["computers.assetid"],
            name=op.f("fk_computerinterfaces_assetid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("computerinterfaceid", name=op.f("pk_computerinterfaces")),
        sa.UniqueConstraint("macaddress", name=op.f("uq_computerinterfaces_macaddress")),
    )
    for column in ("assetid", "ipaddress"):
        op.create_index(
            op.f(f"idx_computerinterfaces_{column}"), "computerinterfaces", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("computerinterfaces")
    op.drop_table("computers")
    op.drop_table("computertypes")
