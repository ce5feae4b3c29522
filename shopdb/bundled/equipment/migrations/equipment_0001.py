"""equipment: machines, their lookups and protocol details.

Revision ID: equipment_0001
Depends on: 0002, the core head when the plugin was written
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP, case_sensitive_string

revision: str = "equipment_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("equipment",)
depends_on: str | Sequence[str] | None = "0002"


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
    ]


def _lookup(table: str, key: str, label: str, *extra: sa.Column) -> None:
    op.create_table(
        table,
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column(label, sa.String(length=100), nullable=False),
        *extra,
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
        sa.UniqueConstraint(label, name=op.f(f"uq_{table}_{label}")),
    )


def _detail(table: str, *columns: sa.Column) -> None:
    op.create_table(
        table,
        sa.Column("assetid", sa.Integer(), nullable=False),
        *columns,
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["equipment.assetid"],
            name=op.f(f"fk_{table}_assetid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    _lookup("equipmenttypes", "equipmenttypeid", "equipmenttype")
    _lookup(
        "controllertypes",
        "controllertypeid",
        "controllertype",
        sa.Column("vendor", sa.String(length=100), nullable=True),
    )
    _lookup("controlleroses", "controllerosid", "controlleros")
    op.create_table(
        "equipment",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("machinenumber", case_sensitive_string(50), nullable=False),
        sa.Column("equipmenttypeid", sa.Integer(), nullable=False),
        sa.Column("controllertypeid", sa.Integer(), nullable=True),
        sa.Column("controllerosid", sa.Integer(), nullable=True),
        sa.Column("axiscount", sa.Integer(), nullable=True),
        sa.Column("spindlecount", sa.Integer(), nullable=True),
        sa.Column("maxworkpiece", sa.String(length=100), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["assetid"], ["assets.assetid"], name=op.f("fk_equipment_assetid"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["equipmenttypeid"],
            ["equipmenttypes.equipmenttypeid"],
            name=op.f("fk_equipment_equipmenttypeid"),
        ),
        sa.ForeignKeyConstraint(
            ["controllertypeid"],
            ["controllertypes.controllertypeid"],
            name=op.f("fk_equipment_controllertypeid"),
        ),
        sa.ForeignKeyConstraint(
            ["controllerosid"],
            ["controlleroses.controllerosid"],
            name=op.f("fk_equipment_controllerosid"),
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_equipment")),
        sa.UniqueConstraint("machinenumber", name=op.f("uq_equipment_machinenumber")),
    )
    for column in ("equipmenttypeid", "controllertypeid", "controllerosid"):
        op.create_index(op.f(f"idx_equipment_{column}"), "equipment", [column], unique=False)
    _detail(
        "equipmentfocas",
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), server_default="8193", nullable=False),
    )
    _detail(
        "equipmentmtconnect",
        sa.Column("agenturl", sa.String(length=255), nullable=False),
        sa.Column("devicename", sa.String(length=100), nullable=True),
    )
    _detail(
        "equipmentclm",
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("equipmentclm")
    op.drop_table("equipmentmtconnect")
    op.drop_table("equipmentfocas")
    # The indexes go with the table (MySQL refuses to drop an index a foreign key needs).
    op.drop_table("equipment")
    op.drop_table("controlleroses")
    op.drop_table("controllertypes")
    op.drop_table("equipmenttypes")
