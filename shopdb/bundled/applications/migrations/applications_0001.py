"""applications: applications and their installations on computers.

Creates exactly what models.py declares; the contract suite and `shopdb db
check` compare the two.

Revision ID: applications_0001
Depends on: computers_0001 (installations point at computers)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "applications_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("applications",)
depends_on: str | Sequence[str] | None = "computers_0001"


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("applicationid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("namekey", sa.String(length=200), nullable=False),
        sa.Column("vendorid", sa.Integer(), nullable=True),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("licence", sa.String(length=200), nullable=True),
        sa.Column("supportcontact", sa.String(length=200), nullable=True),
        sa.Column("documentationurl", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["vendorid"], ["vendors.vendorid"], name=op.f("fk_applications_vendorid")
        ),
        sa.PrimaryKeyConstraint("applicationid", name=op.f("pk_applications")),
        sa.UniqueConstraint("namekey", name=op.f("uq_applications_namekey")),
    )
    op.create_index(op.f("idx_applications_vendorid"), "applications", ["vendorid"], unique=False)
    op.create_table(
        "installations",
        sa.Column("installationid", sa.Integer(), nullable=False),
        sa.Column("applicationid", sa.Integer(), nullable=False),
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("installdate", sa.Date(), nullable=True),
        sa.Column("iscollected", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["applicationid"],
            ["applications.applicationid"],
            name=op.f("fk_installations_applicationid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["computers.assetid"],
            name=op.f("fk_installations_assetid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("installationid", name=op.f("pk_installations")),
        sa.UniqueConstraint(
            "applicationid", "assetid", name=op.f("uq_installations_applicationid_assetid")
        ),
    )
    for column in ("applicationid", "assetid"):
        op.create_index(
            op.f(f"idx_installations_{column}"), "installations", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("installations")
    op.drop_table("applications")
