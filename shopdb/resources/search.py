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

from flask import current_app, has_app_context
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    false,
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
    is_identity,
    is_indexed,
    matching_ranges,
    spellings,
    successor,
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


# A statement per shape -------------------------------------------------------------
# Building the UNION of twenty resources' members took most of a search's
# CPU (SQLAlchemy constructs and proxies thousands of column objects), the
# database a fraction. A query's values (its spellings, their successors,
# LIKE patterns) are bind parameters, so every query that is spelled the same
# way (one spelling, or a MAC's two, ...) shares one statement, built once
# per app and shape and kept with the app.
STATEMENTS_KEY = "shopdb.search.statements"
KEPT_STATEMENTS = 256


def _shape(index: int, resource: Resource, text: str) -> tuple[Any, dict[str, Any]]:
    """(the statement shape of resource number `index`, its bind values)."""
    prefix = f"r{index}"
    values: dict[str, Any] = {}
    if is_indexed(resource):
        ranges = spellings(resource, text)
        for number, (term, _paths) in enumerate(ranges):
            values[f"{prefix}t{number}"] = term
            values[f"{prefix}u{number}"] = successor(term)
        paths = tuple(None if each is None else tuple(each) for _term, each in ranges)
        return ("index", paths), values
    counts = []
    for field, (target, _weight) in enumerate(resource.search_fields):
        spelled = [spelling.lower() for spelling in target.spellings(text.strip())]
        counts.append(len(spelled))
        for number, spelling in enumerate(spelled):
            name = f"{prefix}f{field}s{number}"
            values[name] = spelling
            values[f"{name}p"] = f"{_escape_like(spelling)}%"
            values[f"{name}a"] = f"%{_escape_like(spelling)}%"
    return ("scan", tuple(counts)), values


def _ranked_from_index(resource: Resource, prefix: str, shape: tuple[Any, ...]) -> Any:
    """(recordid, tier, score) of the records whose entries match, from at
    most CANDIDATES whole-value and CANDIDATES later-word entries (each an
    index range walk), so a query that matches every record costs what one
    that matches a few hundred does."""
    entries = ENTRIES.c
    spelled: list[tuple[Any, Any, Any]] = [
        (bindparam(f"{prefix}t{number}"), bindparam(f"{prefix}u{number}"), paths)
        for number, paths in enumerate(shape)
    ]
    condition = matching_ranges(resource, spelled, every_class=False)
    exact = entries.term.in_([low for low, _high, _paths in spelled])
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


def _ranked_by_scan(resource: Resource, prefix: str, counts: tuple[int, ...]) -> tuple[Any, ...]:
    """(match, tier, score) of a resource that is not indexed (a lookup
    table of a few rows): LIKE over its fields, the rules of the index."""
    exacts, prefixes, anywheres, weights = [], [], [], []
    for field, ((target, weight), count) in enumerate(
        zip(resource.search_fields, counts, strict=True)
    ):
        lowered = func.lower(target.column)
        names = [f"{prefix}f{field}s{number}" for number in range(count)]
        exact = or_(false(), *(lowered == bindparam(name) for name in names))
        prefix_match = or_(
            false(), *(lowered.like(bindparam(f"{name}p"), escape="\\") for name in names)
        )
        anywhere = or_(
            false(), *(lowered.like(bindparam(f"{name}a"), escape="\\") for name in names)
        )
        part = target.part
        if part is not None:
            exact, prefix_match, anywhere = (
                part.parent_column.in_(select(part.child_column).where(condition))
                for condition in (exact, prefix_match, anywhere)
            )
        if is_identity(target):
            exacts.append(exact)
        prefixes += [exact, prefix_match]
        anywheres.append(anywhere)
        weights.append(case((anywhere, weight), else_=0))
    tier = case(
        (or_(*exacts) if exacts else literal(False), EXACT_IDENTITY),
        (or_(*prefixes), PREFIX),
        else_=ANYWHERE,
    )
    return or_(*anywheres), tier, sum(weights, start=literal(0))


def _member(
    resource: Resource, index: int, shape: tuple[Any, ...], limit: int, owned_types: list[str]
) -> Select[Any]:
    """The best `limit` matches of one resource as rows of (resource, id,
    two label parts, tier, score): through the index when the resource is
    indexed, else a scan of its few rows."""
    key = resource.column(resource.primary_key)
    labels = [cast(column, String) for column in _label_columns(resource)]
    labels = (labels + [cast(null(), String)] * 2)[:2]
    kind, detail = shape
    if kind == "index":
        ranked = _ranked_from_index(resource, f"r{index}", detail)
        tier, score = ranked.c.tier, ranked.c.score
    else:
        match, tier, score = _ranked_by_scan(resource, f"r{index}", detail)
    query = resource.storage.select().with_only_columns(
        literal(resource.name, String).label("resource"),
        key.label("id"),
        labels[0].label("label1"),
        labels[1].label("label2"),
        tier.label("tier"),
        score.label("score"),
    )
    query = query.join(ranked, ranked.c.recordid == key) if kind == "index" else query.where(match)
    query = resource.scope(query)
    if type(resource.storage) is AssetStorage and owned_types:
        # A plugin's asset is found through its own resource, not twice.
        owned = select(AssetType.assettypeid).where(AssetType.assettype.in_(owned_types))
        query = query.where(resource.column("assettypeid").not_in(owned))
    return query.order_by(tier.desc(), score.desc(), key.asc()).limit(limit)


def _statement(
    chosen: list[Resource], text: str, limit: int, owned_types: list[str]
) -> tuple[Any, dict[str, Any]]:
    """The one statement of a search over these resources (a UNION ALL of
    each one's best `limit` matches) and its bind values; the statement is
    the app's kept one for this shape when there is one."""
    shapes, values = [], {}
    for index, resource in enumerate(chosen):
        shape, found = _shape(index, resource, text)
        shapes.append(shape)
        values.update(found)
    key = (tuple(resource.name for resource in chosen), limit, tuple(owned_types), tuple(shapes))
    kept: dict[Any, Any] = (
        current_app.extensions.setdefault(STATEMENTS_KEY, {}) if has_app_context() else {}
    )
    statement = kept.get(key)
    if statement is None:
        members = [
            _member(resource, index, shape, limit, owned_types)
            for index, (resource, shape) in enumerate(zip(chosen, shapes, strict=True))
        ]
        if len(members) == 1:
            statement = members[0]
        else:
            statement = union_all(*(select(*member.subquery().c) for member in members))
        if len(kept) >= KEPT_STATEMENTS:
            kept.clear()  # a bound on odd shapes; the common ones come back at once
        kept[key] = statement
    return statement, values


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
    statement, values = _statement([resource], text, limit, owned_types)
    rows = session.execute(statement, values)
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
    statement, values = _statement(chosen, text, limit, owned)
    found = _results(
        {resource.name: resource for resource in chosen}, session.execute(statement, values)
    )
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
