"""How articles are served: one resource with tags and links nested, the
rendered body in the detail reply, and routes of its own for the revisions
(list, one, and a unified diff of two)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shopdb.api import (
    Asset,
    AssetType,
    CanonicalText,
    HasMany,
    NotFoundError,
    Resource,
    current_identity,
    data_response,
    get_session,
    guarded,
    render_markdown,
)
from shopdb.bundled.applications.models import Application

from .models import (
    Article,
    ArticleApplication,
    ArticleAsset,
    ArticleAssetType,
    ArticleRevision,
    ArticleTag,
)

# The largest revision number a URL may name (anything above is a 404).
MAXIMUM_REVISION = 2**31 - 1


class Tag(CanonicalText):
    """A tag, stored lower-case with single spaces, so `Spindle ` and
    `spindle` are one tag (in the filter too)."""

    description = "A tag; stored lower-case"

    def canonical(self, text: str) -> str:
        tag = " ".join(text.split()).lower()
        if not tag:
            raise self.make_error("invalid_tag")
        return tag

    def sample(self, number: int) -> str:
        return f"tag{number}"

    default_error_messages = {"invalid_tag": "A tag needs a letter or digit."}


def author() -> str:
    """Who saves a change: the signed-in user, else how the write came in."""
    identity = current_identity()
    return identity.username or identity.via


class Articles(Resource):
    """Articles. Every create, and every update that changes the title or the
    body, keeps the saved title and body as a new revision with its author
    and time; `GET /api/articles/<id>/revisions` lists them and
    `.../revisions/<a>/diff/<b>` compares two. The detail reply adds the
    body rendered as sanitised HTML (`bodyhtml`) and the latest revision
    number."""

    def create(self, session: Session, values: dict[str, Any]) -> Any:
        instance = super().create(session, values)
        self.revise(session, instance)
        return instance

    def update(self, session: Session, instance: Any, values: dict[str, Any]) -> dict[str, Any]:
        changes = super().update(session, instance, values)
        if "title" in changes or "body" in changes:
            self.revise(session, instance)
        return changes

    def revise(self, session: Session, instance: Article) -> ArticleRevision:
        """Keep the article's title and body as its next revision. The
        article's own write is audited (before and after); writers of one
        article take turns on its row (the update locks it), and the unique
        (articleid, revision) holds if they did not."""
        latest = session.scalar(
            select(func.max(ArticleRevision.revision)).where(
                ArticleRevision.articleid == instance.articleid
            )
        )
        revision = ArticleRevision(
            articleid=instance.articleid,
            revision=(latest or 0) + 1,
            title=instance.title,
            body=instance.body,
            author=author()[:100],
        )
        session.add(revision)
        session.flush()
        return revision

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        # The revisions are the article's own history: they go with it.
        session.execute(
            delete(ArticleRevision).where(ArticleRevision.articleid == instance.articleid)
        )
        return super().remove(session, instance, permanent)

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        data["bodyhtml"] = render_markdown(instance.body)
        data["linked"] = linked_names(session, instance.articleid)
        data["revision"] = session.scalar(
            select(func.max(ArticleRevision.revision)).where(
                ArticleRevision.articleid == instance.articleid
            )
        )
        return data

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """Title and body only: a link needs rows (assets) a fresh site lacks."""
        return {"title": f"Article {number}", "body": f"Step {number}: *check* the spindle."}

    def extra_routes(self, blueprint: Blueprint, output_schema: type[Schema]) -> None:
        add_revision_routes(self, blueprint)


def linked_names(session: Session, articleid: int) -> dict[str, list[dict[str, Any]]]:
    """What the article links, by name, for a page to show without asking
    again: one statement per kind of link."""
    assets = session.execute(
        select(Asset.assetid, Asset.assetnumber, Asset.name)
        .join(ArticleAsset, ArticleAsset.assetid == Asset.assetid)
        .where(ArticleAsset.articleid == articleid)
        .order_by(Asset.assetnumber)
    )
    types = session.execute(
        select(AssetType.assettypeid, AssetType.assettype, AssetType.label)
        .join(ArticleAssetType, ArticleAssetType.assettypeid == AssetType.assettypeid)
        .where(ArticleAssetType.articleid == articleid)
        .order_by(AssetType.assettype)
    )
    applications = session.execute(
        select(Application.applicationid, Application.name)
        .join(ArticleApplication, ArticleApplication.applicationid == Application.applicationid)
        .where(ArticleApplication.articleid == articleid)
        .order_by(Application.name)
    )
    return {
        "assets": [row._asdict() for row in assets],
        "assettypes": [row._asdict() for row in types],
        "applications": [row._asdict() for row in applications],
    }


# Revisions ---------------------------------------------------------------------


class RevisionSchema(Schema):
    articlerevisionid = fields.Integer(required=True)
    articleid = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    title = fields.String(required=True)
    author = fields.String(required=True, metadata={"description": "Who saved it"})
    createdat = fields.Function(
        lambda row: utc(row.createdat).isoformat(),
        required=True,
        metadata={"description": "When it was saved (UTC, ISO 8601)"},
    )


class RevisionDetailSchema(RevisionSchema):
    body = fields.String(required=True)
    bodyhtml = fields.String(required=True, metadata={"description": "The body, rendered"})


class RevisionsEnvelope(Schema):
    data = fields.List(fields.Nested(RevisionSchema), required=True)


class RevisionEnvelope(Schema):
    data = fields.Nested(RevisionDetailSchema, required=True)


class DiffSchema(Schema):
    articleid = fields.Integer(required=True)
    fromrevision = fields.Integer(required=True)
    torevision = fields.Integer(required=True)
    titlechanged = fields.Boolean(required=True)
    diff = fields.String(
        required=True,
        metadata={
            "description": "Unified diff (difflib) of the title line and the body, from the "
            "first revision to the second; empty when they are the same"
        },
    )


class DiffEnvelope(Schema):
    data = fields.Nested(DiffSchema, required=True)


def utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite and MySQL hand them back without a zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def text_of(revision: ArticleRevision) -> list[str]:
    """What a diff compares: the title as a heading line, then the body."""
    return [f"# {revision.title}", "", *revision.body.splitlines()]


def unified_diff(first: ArticleRevision, second: ArticleRevision) -> str:
    lines = list(
        difflib.unified_diff(
            text_of(first),
            text_of(second),
            fromfile=f"revision {first.revision}",
            tofile=f"revision {second.revision}",
            lineterm="",
        )
    )
    return "\n".join(lines) + "\n" if lines else ""


def add_revision_routes(resource: Articles, blueprint: Blueprint) -> None:
    read = guarded(resource.read, write=False)
    revisions = RevisionSchema()
    detailed = RevisionDetailSchema()

    def article(session: Session, articleid: int) -> Article:
        found: Article = resource.get_row(session, articleid)
        return found

    def revision(session: Session, articleid: int, number: int) -> ArticleRevision:
        found = None
        if 1 <= number <= MAXIMUM_REVISION:
            found = session.scalar(
                select(ArticleRevision).where(
                    ArticleRevision.articleid == articleid, ArticleRevision.revision == number
                )
            )
        if found is None:
            raise NotFoundError(
                f"The article {articleid} has no revision {number}; "
                f"GET /api/{resource.name}/{articleid}/revisions lists them."
            )
        return found

    @blueprint.route("/<int:articleid>/revisions")
    @read
    @blueprint.response(200, RevisionsEnvelope)
    @blueprint.doc(summary="List an article's revisions", description="Newest first.")
    def list_revisions(articleid: int) -> Any:
        session = get_session()
        article(session, articleid)
        rows = session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.articleid == articleid)
            .order_by(ArticleRevision.revision.desc())
        ).all()
        return data_response(revisions.dump(rows, many=True))

    @blueprint.route("/<int:articleid>/revisions/<int:number>")
    @read
    @blueprint.response(200, RevisionEnvelope)
    @blueprint.doc(summary="Fetch one revision of an article, its body rendered too")
    def get_revision(articleid: int, number: int) -> Any:
        session = get_session()
        article(session, articleid)
        found = revision(session, articleid, number)
        return data_response({**detailed.dump(found), "bodyhtml": render_markdown(found.body)})

    @blueprint.route("/<int:articleid>/revisions/<int:first>/diff/<int:second>")
    @read
    @blueprint.response(200, DiffEnvelope)
    @blueprint.doc(
        summary="Compare two revisions of an article",
        description="A unified diff of the title and body from the first to the second.",
    )
    def diff_revisions(articleid: int, first: int, second: int) -> Any:
        session = get_session()
        article(session, articleid)
        older, newer = revision(session, articleid, first), revision(session, articleid, second)
        return data_response(
            {
                "articleid": articleid,
                "fromrevision": first,
                "torevision": second,
                "titlechanged": older.title != newer.title,
                "diff": unified_diff(older, newer),
            }
        )


ARTICLES = Articles(
    Article,
    label="Knowledge base articles",
    filters=(
        "title",
        ("tag", "tags.tag"),
        "assets.assetid",
        "assettypes.assettypeid",
        "applications.applicationid",
        "createdat",
        "modifiedat",
    ),
    sort=("title", "createdat", "modifiedat"),
    default_sort="-modifiedat",
    search=(("title", 10), ("tags.tag", 5), ("body", 1)),
    list_columns=("title", "modifiedat"),
    field_rules={"title": validate.Length(min=1)},
    nested={
        "tags": HasMany(ArticleTag, key="tag", field_rules={"tag": Tag()}),
        "assets": HasMany(ArticleAsset, key="assetid"),
        "assettypes": HasMany(ArticleAssetType, key="assettypeid"),
        "applications": HasMany(ArticleApplication, key="applicationid"),
    },
    detail_fields={
        "bodyhtml": fields.String(
            metadata={"description": "The body as HTML, sanitised (nh3): safe to put on a page"}
        ),
        "revision": fields.Integer(
            allow_none=True, metadata={"description": "The latest revision's number"}
        ),
        "linked": fields.Dict(
            metadata={
                "description": "What the article links, by name: assets (assetid, assetnumber, "
                "name), assettypes (assettypeid, assettype, label), applications "
                "(applicationid, name)"
            }
        ),
    },
)

RESOURCES = [ARTICLES]
