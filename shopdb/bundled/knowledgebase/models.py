"""The plugin's tables: articles, their tags and links (assets, asset types,
applications), and the revisions that keep every saved title and body."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Base, TimestampMixin

TITLE_LENGTH = 200


class Article(TimestampMixin, Base):
    """A know-how article in Markdown: how to fix, set up or run something."""

    __tablename__ = "articles"

    articleid: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    body: Mapped[str] = mapped_column(Text)

    # Written by the framework's nested rows (HasMany), each row audited.
    tags: Mapped[list[ArticleTag]] = relationship()
    assets: Mapped[list[ArticleAsset]] = relationship()
    assettypes: Mapped[list[ArticleAssetType]] = relationship()
    applications: Mapped[list[ArticleApplication]] = relationship()


class OfArticle:
    """A row that belongs to one article and goes with it."""

    articleid: Mapped[int] = mapped_column(
        ForeignKey("articles.articleid", ondelete="CASCADE"), index=True
    )


class ArticleTag(OfArticle, TimestampMixin, Base):
    """A tag of an article, stored lower-case (`spindle`, `networking`)."""

    __tablename__ = "articletags"
    __table_args__ = (UniqueConstraint("articleid", "tag"),)

    articletagid: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), index=True)


class ArticleAsset(OfArticle, TimestampMixin, Base):
    """An asset the article is about (a machine, a PC)."""

    __tablename__ = "articleassets"
    __table_args__ = (UniqueConstraint("articleid", "assetid"),)

    articleassetid: Mapped[int] = mapped_column(primary_key=True)
    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), index=True
    )


class ArticleAssetType(OfArticle, TimestampMixin, Base):
    """An asset type the article applies to as a whole (every computer)."""

    __tablename__ = "articleassettypes"
    __table_args__ = (UniqueConstraint("articleid", "assettypeid"),)

    articleassettypeid: Mapped[int] = mapped_column(primary_key=True)
    assettypeid: Mapped[int] = mapped_column(
        ForeignKey("assettypes.assettypeid", ondelete="CASCADE"), index=True
    )


class ArticleApplication(OfArticle, TimestampMixin, Base):
    """An application the article is about (applications plugin)."""

    __tablename__ = "articleapplications"
    __table_args__ = (UniqueConstraint("articleid", "applicationid"),)

    articleapplicationid: Mapped[int] = mapped_column(primary_key=True)
    applicationid: Mapped[int] = mapped_column(
        ForeignKey("applications.applicationid", ondelete="CASCADE"), index=True
    )


class ArticleRevision(OfArticle, TimestampMixin, Base):
    """One saved state of an article's title and body, numbered from 1, with
    who saved it (`createdat` is when)."""

    __tablename__ = "articlerevisions"
    __table_args__ = (UniqueConstraint("articleid", "revision"),)

    articlerevisionid: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))


MODELS = [Article, ArticleTag, ArticleAsset, ArticleAssetType, ArticleApplication, ArticleRevision]
