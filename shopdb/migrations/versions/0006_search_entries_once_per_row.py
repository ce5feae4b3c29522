"""The search index in its new layout (ADR 0015, refined): an asset row's
entries are written once, under its asset class, instead of once for the
core `assets` list and again for its class. The table keeps its columns;
its rows are emptied here, and `shopdb db upgrade` builds them again from
the records when it finds the index empty (shopdb/cli/db.py), as it did
when 0005 created the table. Downgrading empties it too: the older code
then builds its own layout the same way.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM searchentries")


def downgrade() -> None:
    op.execute("DELETE FROM searchentries")
