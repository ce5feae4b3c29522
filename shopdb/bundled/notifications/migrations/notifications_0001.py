"""notifications: announcements, their target locations and users' dismissals.

Creates exactly what models.py declares (types, nullability, constraint and
index names); the contract suite and `shopdb db check` compare the two.

Revision ID: notifications_0001
Depends on: 0002, the core head when the plugin was written
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "notifications_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("notificationid", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("ismarkdown", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("starttime", TIMESTAMP, nullable=False),
        sa.Column("endtime", TIMESTAMP, nullable=True),
        sa.Column("assetid", sa.Integer(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetid"], ["assets.assetid"], name=op.f("fk_notifications_assetid")
        ),
        sa.PrimaryKeyConstraint("notificationid", name=op.f("pk_notifications")),
    )
    for column in ("severity", "starttime", "endtime", "assetid"):
        op.create_index(op.f(f"idx_notifications_{column}"), "notifications", [column])
    op.create_table(
        "notificationlocations",
        sa.Column("notificationlocationid", sa.Integer(), nullable=False),
        sa.Column("notificationid", sa.Integer(), nullable=False),
        sa.Column("locationid", sa.Integer(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["notificationid"],
            ["notifications.notificationid"],
            name=op.f("fk_notificationlocations_notificationid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["locationid"],
            ["locations.locationid"],
            name=op.f("fk_notificationlocations_locationid"),
        ),
        sa.PrimaryKeyConstraint("notificationlocationid", name=op.f("pk_notificationlocations")),
        sa.UniqueConstraint(
            "notificationid",
            "locationid",
            name=op.f("uq_notificationlocations_notificationid_locationid"),
        ),
    )
    for column in ("notificationid", "locationid"):
        op.create_index(
            op.f(f"idx_notificationlocations_{column}"), "notificationlocations", [column]
        )
    op.create_table(
        "notificationdismissals",
        sa.Column("notificationdismissalid", sa.Integer(), nullable=False),
        sa.Column("userid", sa.Integer(), nullable=False),
        sa.Column("notificationid", sa.Integer(), nullable=False),
        sa.Column("notificationmodifiedat", TIMESTAMP, nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["userid"],
            ["users.userid"],
            name=op.f("fk_notificationdismissals_userid"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notificationid"],
            ["notifications.notificationid"],
            name=op.f("fk_notificationdismissals_notificationid"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notificationdismissalid", name=op.f("pk_notificationdismissals")),
        sa.UniqueConstraint(
            "userid",
            "notificationid",
            name=op.f("uq_notificationdismissals_userid_notificationid"),
        ),
    )
    op.create_index(
        op.f("idx_notificationdismissals_notificationid"),
        "notificationdismissals",
        ["notificationid"],
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; MySQL refuses to drop the index of
    # a foreign key on its own.
    op.drop_table("notificationdismissals")
    op.drop_table("notificationlocations")
    op.drop_table("notifications")
