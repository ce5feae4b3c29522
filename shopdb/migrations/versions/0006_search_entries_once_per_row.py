"""The search index in its new layout (ADR 0015, refined): an asset row's
entries are written once, under its asset class, instead of once for the
core `assets` list and again for its class. The table keeps its columns;
its rows are emptied here, and `shopdb db upgrade` builds them again from
the records when it finds the index empty (shopdb/cli/db.py), as it did
when 0005 created the table. Downgrading empties it too: the older code
then builds its own layout the same way.

The index on (resource, recordid, term) gets `field` too: an asset class's
entries now hold core fields that its own list does not search (`notes`),
so a list's EXISTS and rank check the field, and find it in the index
instead of reading each entry's row.

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


OLD_INDEX = ("idx_searchentries_resource_recordid_term", ["resource", "recordid", "term"])
NEW_INDEX = (
    "idx_searchentries_resource_recordid_term_field",
    ["resource", "recordid", "term", "field"],
)


def upgrade() -> None:
    op.execute("DELETE FROM searchentries")
    op.drop_index(OLD_INDEX[0], table_name="searchentries")
    op.create_index(NEW_INDEX[0], "searchentries", NEW_INDEX[1])


def downgrade() -> None:
    op.execute("DELETE FROM searchentries")
    op.drop_index(NEW_INDEX[0], table_name="searchentries")
    op.create_index(OLD_INDEX[0], "searchentries", OLD_INDEX[1])
