"""usb: USB storage devices and their issue history.

Revision ID: usb_0001
Depends on: 0002, the core head when the plugin was written
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "usb_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("usb",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "usbdevices",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("labelnumber", sa.String(length=50), nullable=True),
        sa.Column("capacitygb", sa.Integer(), nullable=True),
        sa.Column("devicestatus", sa.String(length=20), nullable=False),
        sa.Column("assignedassetid", sa.Integer(), nullable=True),
        sa.Column("assignedto", sa.String(length=100), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"], ["assets.assetid"], name=op.f("fk_usbdevices_assetid"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["assignedassetid"],
            ["assets.assetid"],
            name=op.f("fk_usbdevices_assignedassetid"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_usbdevices")),
        sa.UniqueConstraint("serial", name=op.f("uq_usbdevices_serial")),
        sa.UniqueConstraint("labelnumber", name=op.f("uq_usbdevices_labelnumber")),
    )
    for column in ("devicestatus", "assignedassetid", "assignedto"):
        op.create_index(op.f(f"idx_usbdevices_{column}"), "usbdevices", [column], unique=False)
    op.create_table(
        "usbissues",
        sa.Column("usbissueid", sa.Integer(), nullable=False),
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("openassetid", sa.Integer(), nullable=True),
        sa.Column("issuedto", sa.String(length=100), nullable=True),
        sa.Column("issuedtoassetid", sa.Integer(), nullable=True),
        sa.Column("issuedby", sa.String(length=100), nullable=False),
        sa.Column("issuedat", TIMESTAMP, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("returnedat", TIMESTAMP, nullable=True),
        sa.Column("returnedby", sa.String(length=100), nullable=True),
        sa.Column("returnreason", sa.Text(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["usbdevices.assetid"],
            name=op.f("fk_usbissues_assetid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issuedtoassetid"],
            ["assets.assetid"],
            name=op.f("fk_usbissues_issuedtoassetid"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("usbissueid", name=op.f("pk_usbissues")),
        sa.UniqueConstraint("openassetid", name=op.f("uq_usbissues_openassetid")),
    )
    for column in ("assetid", "issuedto", "issuedtoassetid", "issuedat"):
        op.create_index(op.f(f"idx_usbissues_{column}"), "usbissues", [column], unique=False)


def downgrade() -> None:
    op.drop_table("usbissues")
    op.drop_table("usbdevices")
