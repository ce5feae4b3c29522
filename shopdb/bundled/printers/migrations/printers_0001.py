"""printers: printer types, printers and their supply levels.

Revision ID: printers_0001
Depends on: 0002, the core head when the plugin was written
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "printers_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("printers",)
depends_on: str | Sequence[str] | None = "0002"


def timestamps() -> list[sa.Column]:
    return [
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "printertypes",
        sa.Column("printertypeid", sa.Integer(), nullable=False),
        sa.Column("printertype", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        *timestamps(),
        sa.PrimaryKeyConstraint("printertypeid", name=op.f("pk_printertypes")),
        sa.UniqueConstraint("printertype", name=op.f("uq_printertypes_printertype")),
    )
    op.create_table(
        "printers",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=False),
        sa.Column("ipaddress", sa.String(length=45), nullable=True),
        sa.Column("macaddress", sa.String(length=17), nullable=True),
        sa.Column("queuename", sa.String(length=100), nullable=True),
        sa.Column("printertypeid", sa.Integer(), nullable=True),
        sa.Column("zabbixhostid", sa.BigInteger(), nullable=True),
        sa.Column("monitoringstatus", sa.String(length=20), nullable=True),
        sa.Column("lastzabbixsync", TIMESTAMP, nullable=True),
        *timestamps(),
        sa.ForeignKeyConstraint(
            ["assetid"], ["assets.assetid"], name=op.f("fk_printers_assetid"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["printertypeid"],
            ["printertypes.printertypeid"],
            name=op.f("fk_printers_printertypeid"),
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_printers")),
        sa.UniqueConstraint("hostname", name=op.f("uq_printers_hostname")),
        sa.UniqueConstraint("macaddress", name=op.f("uq_printers_macaddress")),
        sa.UniqueConstraint("zabbixhostid", name=op.f("uq_printers_zabbixhostid")),
    )
    for column in ("ipaddress", "queuename", "printertypeid", "monitoringstatus"):
        op.create_index(op.f(f"idx_printers_{column}"), "printers", [column], unique=False)
    op.create_table(
        "printersupplies",
        sa.Column("printersupplyid", sa.Integer(), nullable=False),
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("color", sa.String(length=30), nullable=True),
        sa.Column("levelpercent", sa.Double(), nullable=True),
        sa.Column("maxcapacity", sa.Integer(), nullable=True),
        sa.Column("lastvalueat", TIMESTAMP, nullable=True),
        *timestamps(),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["printers.assetid"],
            name=op.f("fk_printersupplies_assetid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("printersupplyid", name=op.f("pk_printersupplies")),
        sa.UniqueConstraint("assetid", "name", name=op.f("uq_printersupplies_assetid_name")),
    )
    for column in ("assetid", "levelpercent"):
        op.create_index(
            op.f(f"idx_printersupplies_{column}"), "printersupplies", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("printersupplies")
    op.drop_table("printers")
    op.drop_table("printertypes")
