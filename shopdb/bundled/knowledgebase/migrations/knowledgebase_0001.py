"""knowledgebase: articles, their tags, links and revisions.

Creates exactly what models.py declares; the contract suite and `shopdb db
check` compare the two.

Revision ID: knowledgebase_0001
Depends on: applications_0001 (articles link applications)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopdb.api import TIMESTAMP

revision: str = "knowledgebase_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("knowledgebase",)
depends_on: str | Sequence[str] | None = "applications_0001"

# (table, its key, the linked column, the table it points at); tags link nothing
LINKS = (
    ("articletags", "articletagid", None, None),
    ("articleassets", "articleassetid", "assetid", "assets"),
    ("articleassettypes", "articleassettypeid", "assettypeid", "assettypes"),
    ("articleapplications", "articleapplicationid", "applicationid", "applications"),
)


def timestamps() -> list[sa.Column]:
    return [
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
    ]


def article_key(table: str) -> list:
    return [
        sa.Column("articleid", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["articleid"],
            ["articles.articleid"],
            name=op.f(f"fk_{table}_articleid"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("articleid", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("articleid", name=op.f("pk_articles")),
    )
    for table, key, column, target in LINKS:
        linked: list[sa.schema.SchemaItem]
        if column is None:
            linked = [sa.Column("tag", sa.String(length=50), nullable=False)]
            unique = "tag"
        else:
            linked = [
                sa.Column(column, sa.Integer(), nullable=False),
                sa.ForeignKeyConstraint(
                    [column],
                    [f"{target}.{column}"],
                    name=op.f(f"fk_{table}_{column}"),
                    ondelete="CASCADE",
                ),
            ]
            unique = column
        op.create_table(
            table,
            sa.Column(key, sa.Integer(), nullable=False),
            *article_key(table),
            *linked,
            *timestamps(),
            sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("articleid", unique, name=op.f(f"uq_{table}_articleid_{unique}")),
        )
        for indexed in ("articleid", unique):
            op.create_index(op.f(f"idx_{table}_{indexed}"), table, [indexed], unique=False)
    op.create_table(
        "articlerevisions",
        sa.Column("articlerevisionid", sa.Integer(), nullable=False),
        *article_key("articlerevisions"),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        *timestamps(),
        sa.PrimaryKeyConstraint("articlerevisionid", name=op.f("pk_articlerevisions")),
        sa.UniqueConstraint(
            "articleid", "revision", name=op.f("uq_articlerevisions_articleid_revision")
        ),
    )
    op.create_index(
        op.f("idx_articlerevisions_articleid"), "articlerevisions", ["articleid"], unique=False
    )


def downgrade() -> None:
    op.drop_table("articlerevisions")
    for table, *_rest in reversed(LINKS):
        op.drop_table(table)
    op.drop_table("articles")
