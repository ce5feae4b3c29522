"""Global search: `GET /api/search?q=` over every registered resource that
holds asset data (core and active plugins alike), through each resource's one
`search` declaration (the same (field, weight) pairs its list's `q` reads;
nothing is declared again here).

Ranking, per record: an exact match of an identity field (a field unique in
its table, or a serial number: asset number, hostname, machine number, MAC)
first, then a match at the start of a field (or an exact match of another
field), then a match inside it (from the start of a later word), then the
weights of the fields that matched, added up. The query is matched in each
field's stored spelling too (`Target.spellings`: a MAC in any accepted form,
a PC's hostname without its domain, an IP), and results come grouped by
resource (asset class) with its label, the id and the API and UI addresses
(`/<resource>/<id>`).

Who may search: whoever may read asset data (viewers, and anyone when the
site allows anonymous reading); resources that need more (users, settings,
the audit log) are never searched. A constant number of statements,
whatever the data: one statement in all, a UNION ALL of each searched
resource's best matches; an indexed resource reads `searchentries` by
B-tree ranges (`shopdb.resources.searchindex`, ADR 0015), a lookup table of
a few rows is scanned with LIKE.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from shopdb.database import get_session
from shopdb.http.envelope import data_response
from shopdb.http.identity import guarded
from shopdb.models import AssetType
from shopdb.resources.definition import Resource
from shopdb.resources.queries import MAXIMUM_TEXT, _escape_like
from shopdb.resources.schemas import safe_text
from shopdb.resources.searchindex import (
    ENTRIES,
    RESOURCES_KEY,
    exact_terms,
    is_identity,
    is_indexed,
    matching,
)
from shopdb.resources.storage import AssetExtensionStorage, AssetStorage
from shopdb.services.access import Access

__all__ = ["RESOURCES_KEY", "build_search_blueprint", "global_search", "search_resource"]
DEFAULT_LIMIT = 10
MAXIMUM_LIMIT = 50
EXACT_IDENTITY, PREFIX, ANYWHERE = 3, 2, 1
# Index entries ranked per resource and kind (whole values, later words): a
# query that matches more ranks these, the first in the order of their text.
CANDIDATES = 200


class SearchArguments(Schema):
    q = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAXIMUM_TEXT), safe_text],
        metadata={"description": "What to find: an asset number, hostname, MAC, IP, serial, name"},
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(1, MAXIMUM_LIMIT),
        metadata={"description": f"Results per resource, at most {MAXIMUM_LIMIT}"},
    )


class SearchResultSchema(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    match = fields.String(required=True, validate=validate.OneOf(["exact", "prefix", "substring"]))
    score = fields.Integer(required=True)
    url = fields.String(required=True)
    uiurl = fields.String(required=True)


class SearchGroupSchema(Schema):
    resource = fields.String(required=True)
    label = fields.String(required=True)
    assettype = fields.String(required=True, allow_none=True)
    results = fields.List(fields.Nested(SearchResultSchema), required=True)


class SearchMetaSchema(Schema):
    q = fields.String(required=True)


class SearchEnvelopeSchema(Schema):
    data = fields.List(fields.Nested(SearchGroupSchema), required=True)
    meta = fields.Nested(SearchMetaSchema, required=True)


def searched(resources: dict[str, Resource]) -> list[Resource]:
    return [
        resource
        for resource in resources.values()
        if resource.read is Access.ASSET_READ and resource.search_fields
    ]


def _label_columns(resource: Resource) -> list[ColumnElement[Any]]:
    own = [target.column for target, _ in resource.search_fields if target.part is None]
    found: list[ColumnElement[Any]] = []
    for column in own[:1]:
        found.append(column)
    if "name" in resource.queryable and all(getattr(c, "key", "") != "name" for c in found):
        found.append(resource.queryable["name"])
    return found


def _ranked_from_index(resource: Resource, text: str) -> Any:
    """(recordid, tier, score) of the records whose entries match, from at
    most CANDIDATES whole-value and CANDIDATES later-word entries (each an
    index range walk), so a query that matches every record costs what one
    that matches a few hundred does."""
    entries = ENTRIES.c
    condition = matching(resource, text)
    exact = entries.term.in_(exact_terms(resource, text))
    tier = case(
        (and_(entries.isidentity, entries.iswhole, exact), EXACT_IDENTITY),
        (entries.iswhole, PREFIX),
        else_=ANYWHERE,
    )
    picked = [
        select(entries.recordid, entries.field, entries.weight, tier.label("tier"))
        .where(entries.iswhole == whole, condition)
        .limit(CANDIDATES)
        .subquery()
        for whole in (True, False)
    ]
    candidates = union_all(*(select(*part.c) for part in picked)).subquery()
    perfield = (
        select(
            candidates.c.recordid,
            func.max(candidates.c.weight).label("weight"),
            func.max(candidates.c.tier).label("tier"),
        )
        .group_by(candidates.c.recordid, candidates.c.field)
        .subquery()
    )
    return (
        select(
            perfield.c.recordid,
            func.max(perfield.c.tier).label("tier"),
            func.sum(perfield.c.weight).label("score"),
        )
        .group_by(perfield.c.recordid)
        .subquery()
    )


def _ranked_by_scan(resource: Resource, text: str) -> tuple[Any, Any, Any]:
    """(match, tier, score) of a resource that is not indexed (a lookup
    table of a few rows): LIKE over its fields, the rules of the index."""
    exacts, prefixes, anywheres, weights = [], [], [], []
    for target, weight in resource.search_fields:
        lowered = func.lower(target.column)
        spelled = [spelling.lower() for spelling in target.spellings(text.strip())]
        exact = or_(*(lowered == s for s in spelled))
        prefix = or_(*(lowered.like(f"{_escape_like(s)}%", escape="\\") for s in spelled))
        anywhere = or_(*(lowered.like(f"%{_escape_like(s)}%", escape="\\") for s in spelled))
        part = target.part
        if part is not None:
            exact, prefix, anywhere = (
                part.parent_column.in_(select(part.child_column).where(condition))
                for condition in (exact, prefix, anywhere)
            )
        if is_identity(target):
            exacts.append(exact)
        prefixes += [exact, prefix]
        anywheres.append(anywhere)
        weights.append(case((anywhere, weight), else_=0))
    tier = case(
        (or_(*exacts) if exacts else literal(False), EXACT_IDENTITY),
        (or_(*prefixes), PREFIX),
        else_=ANYWHERE,
    )
    return or_(*anywheres), tier, sum(weights, start=literal(0))


def _member(resource: Resource, text: str, limit: int, owned_types: list[str]) -> Select[Any]:
    """The best `limit` matches of one resource as rows of (resource, id,
    two label parts, tier, score): through the index when the resource is
    indexed, else a scan of its few rows."""
    key = resource.column(resource.primary_key)
    labels = [cast(column, String) for column in _label_columns(resource)]
    labels = (labels + [cast(null(), String)] * 2)[:2]
    if is_indexed(resource):
        ranked = _ranked_from_index(resource, text)
        tier, score = ranked.c.tier, ranked.c.score
    else:
        match, tier, score = _ranked_by_scan(resource, text)
    query = resource.storage.select().with_only_columns(
        literal(resource.name, String).label("resource"),
        key.label("id"),
        labels[0].label("label1"),
        labels[1].label("label2"),
        tier.label("tier"),
        score.label("score"),
    )
    if is_indexed(resource):
        query = query.join(ranked, ranked.c.recordid == key)
    else:
        query = query.where(match)
    query = resource.scope(query)
    if type(resource.storage) is AssetStorage and owned_types:
        # A plugin's asset is found through its own resource, not twice.
        owned = select(AssetType.assettypeid).where(AssetType.assettype.in_(owned_types))
        query = query.where(resource.column("assettypeid").not_in(owned))
    return query.order_by(tier.desc(), score.desc(), key.asc()).limit(limit)


def _results(resources: dict[str, Resource], rows: Any) -> dict[str, list[dict[str, Any]]]:
    """Result rows by resource name, best first."""
    found: dict[str, list[dict[str, Any]]] = {}
    ordered = sorted(rows, key=lambda row: (row.resource, -row.tier, -(row.score or 0), row.id))
    for row in ordered:
        name = resources[row.resource].name
        shown = [value for value in (row.label1, row.label2) if value not in (None, "")]
        found.setdefault(name, []).append(
            {
                "id": row.id,
                "label": " - ".join(str(value) for value in shown),
                "match": {EXACT_IDENTITY: "exact", PREFIX: "prefix"}.get(row.tier, "substring"),
                "score": int(row.score or 0),
                "tier": row.tier,
                "url": f"/api/{name}/{row.id}",
                "uiurl": f"/{name}/{row.id}",
            }
        )
    return found


def search_resource(
    session: Session, resource: Resource, text: str, limit: int, owned_types: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """The best `limit` matches of one resource (and the best tier found)."""
    rows = session.execute(_member(resource, text, limit, owned_types))
    found = _results({resource.name: resource}, rows).get(resource.name, [])
    best = max((result.pop("tier") for result in found), default=0)
    return found, best


def global_search(
    session: Session, resources: dict[str, Resource], text: str, limit: int = DEFAULT_LIMIT
) -> list[dict[str, Any]]:
    """Groups of results, the group with the best match first: one
    statement (a UNION ALL of each searched resource's best matches)."""
    chosen = searched(resources)
    if not chosen:
        return []
    owned = [
        resource.asset_type
        for resource in chosen
        if isinstance(resource.storage, AssetExtensionStorage)
    ]
    members = [_member(resource, text, limit, owned).subquery() for resource in chosen]
    query = union_all(*(select(*member.c) for member in members))
    found = _results({resource.name: resource for resource in chosen}, session.execute(query))
    groups = []
    for resource in chosen:
        results = found.get(resource.name)
        if not results:
            continue
        best = max(result.pop("tier") for result in results)
        groups.append(
            (
                (-best, -results[0]["score"], resource.name),
                {
                    "resource": resource.name,
                    "label": resource.label,
                    "assettype": resource.asset_type or None,
                    "results": results,
                },
            )
        )
    return [group for _, group in sorted(groups, key=lambda item: item[0])]


def build_search_blueprint() -> Blueprint:
    blueprint = Blueprint(
        "search", __name__, url_prefix="/api/search", description="Search every asset class."
    )

    @blueprint.route("", endpoint="search")
    @guarded(Access.ASSET_READ, write=False)
    @blueprint.arguments(SearchArguments, location="query")
    @blueprint.response(200, SearchEnvelopeSchema)
    @blueprint.doc(
        summary="Search every asset class",
        description=(
            "Matches q in every searchable field of every resource holding asset data; "
            "exact identity matches first, then prefixes, then substrings, then field "
            "weights. Grouped by resource. See docs/API.md."
        ),
        operationId="search",
    )
    def search(args: dict[str, Any]) -> ResponseReturnValue:
        resources = current_app.extensions.get(RESOURCES_KEY, {})
        groups = global_search(get_session(), resources, args["q"], args["limit"])
        return data_response(groups, meta={"q": args["q"]})

    return blueprint
