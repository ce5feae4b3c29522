"""measuringtools: instrument types, instruments and calibration records.

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
        "instrumenttypes",
        sa.Column("instrumenttypeid", sa.Integer(), nullable=False),
        sa.Column("instrumenttype", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("instrumenttypeid", name=op.f("pk_instrumenttypes")),
        sa.UniqueConstraint("instrumenttype", name=op.f("uq_instrumenttypes_instrumenttype")),
    )
    op.create_table(
        "measuringtools",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("instrumenttypeid", sa.Integer(), nullable=True),
        sa.Column("measuringrange", sa.String(length=100), nullable=True),
        sa.Column("resolution", sa.String(length=50), nullable=True),
        sa.Column("accuracy", sa.String(length=100), nullable=True),
        sa.Column("measurementsoftware", sa.String(length=100), nullable=True),
        sa.Column("calibrationintervaldays", sa.Integer(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["assets.assetid"],
            name=op.f("fk_measuringtools_assetid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["instrumenttypeid"],
            ["instrumenttypes.instrumenttypeid"],
            name=op.f("fk_measuringtools_instrumenttypeid"),
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_measuringtools")),
    )
    op.create_index(
        op.f("idx_measuringtools_instrumenttypeid"),
        "measuringtools",
        ["instrumenttypeid"],
        unique=False,
    )
    op.create_table(
        "calibrations",
        sa.Column("calibrationid", sa.Integer(), nullable=False),
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("calibrationdate", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("performedby", sa.String(length=20), nullable=False),
        sa.Column("performername", sa.String(length=100), nullable=True),
        sa.Column("certificatenumber", sa.String(length=100), nullable=True),
        sa.Column("certificatefile", sa.String(length=100), nullable=True),
        sa.Column("certificatename", sa.String(length=255), nullable=True),
        sa.Column("certificatesize", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["measuringtools.assetid"],
            name=op.f("fk_calibrations_assetid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("calibrationid", name=op.f("pk_calibrations")),
    )
    for column in ("assetid", "calibrationdate", "certificatenumber"):
        op.create_index(op.f(f"idx_calibrations_{column}"), "calibrations", [column], unique=False)


def downgrade() -> None:
    op.drop_table("calibrations")
    op.drop_table("measuringtools")
    op.drop_table("instrumenttypes")
