"""Revoked sign-in tokens: JWT ids and sign-in session ids refused until they
would have expired anyway.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microsecond timestamps on MySQL/MariaDB, as in shopdb.models.base.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revokedtokens",
        sa.Column("revokedtokenid", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expiresat", TIMESTAMP, nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("revokedtokenid", name=op.f("pk_revokedtokens")),
        sa.UniqueConstraint("jti", name=op.f("uq_revokedtokens_jti")),
    )
    with op.batch_alter_table("revokedtokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_revokedtokens_expiresat"), ["expiresat"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("revokedtokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("idx_revokedtokens_expiresat"))
    op.drop_table("revokedtokens")
