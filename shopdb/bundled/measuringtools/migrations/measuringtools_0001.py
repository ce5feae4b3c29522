"""The first revision of the plugin's own migration branch.

It creates exactly what models.py declares (types, nullability, constraint and
index names); the contract suite and `shopdb db check` compare the two.

Revision ID: measuringtools_0001
Depends on: 0002, the core head when the plugin was generated
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microsecond timestamps on MySQL/MariaDB, as shopdb.api.TimestampMixin has them.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

revision: str = "measuringtools_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("measuringtools",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "measuringtools",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("specification", sa.Text(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["assets.assetid"],
            name=op.f("fk_measuringtools_assetid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_measuringtools")),
        sa.UniqueConstraint("code", name=op.f("uq_measuringtools_code")),
    )
    op.create_index(
        op.f("idx_measuringtools_capacity"),
        "measuringtools",
        ["capacity"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("idx_measuringtools_capacity"),
        table_name="measuringtools",
    )
    op.drop_table("measuringtools")
