"""Where an asset is on the floor map (DESIGN.md section 4, position resolution).

Rules, in order: the asset's own mapx/mapy; else the first positioned asset
reached over outgoing, active, position-inheriting `partof` then `controls`
edges, depth first, at most three hops, never visiting an asset twice (an asset
with map coordinates of its own first; else, in the same order, one placed by
its location, so a PC shows the bay of the machine it drives even when the
machine has no coordinates); else its location's position, then its
ancestors'. Edges are fetched one query per hop and every location chain in
one recursive query, so the cost is bounded (at most five queries) whatever
the graph looks like; `resolve_placements` does this for any number of
assets at once with the same bound (the map resolves thousands per request),
and the single-asset form is that with one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from sqlalchemy import ColumnElement, false, literal_column, select
from sqlalchemy.orm import Session, object_session

from shopdb.models import CONTROLS, PARTOF, Asset, AssetRelationship, Location, RelationshipType
from shopdb.services.locations import MAXIMUM_LOCATION_DEPTH

MAXIMUM_DEPTH = 3
# Edge types that carry position, in the order they are tried.
POSITION_EDGE_ORDER = (PARTOF, CONTROLS)

Rule = Literal["asset", "related", "location"]


@dataclass(frozen=True)
class ResolvedPosition:
    """A map position and the rule that produced it.

    `assetid` names the related asset the position came from (rule `related`);
    `locationid` the location (rule `location`, possibly an ancestor; or
    rule `related` when the related asset is placed by its location).
    """

    mapx: float
    mapy: float
    rule: Rule
    assetid: int | None = None
    locationid: int | None = None


@dataclass(frozen=True)
class _Edge:
    target: int
    mapx: float | None
    mapy: float | None
    locationid: int | None

    @property
    def placed(self) -> bool:
        return self.mapx is not None and self.mapy is not None


def ids_in(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (1, 2, ...)` with the ids written into the statement as
    integers: a map's thousands would pass SQLite's and the drivers' limits
    on bound parameters, and SQLAlchemy's own literal rendering costs more
    than the query. Such a statement is new text each time: run it with
    UNCACHED, so it does not crowd the compiled-statement cache."""
    values = sorted({int(value) for value in ids})
    if not values:
        return false()
    return column.op("IN")(literal_column(f"({','.join(map(str, values))})"))


# Execution options for a statement made with `ids_in`.
UNCACHED = {"compiled_cache": None}


def _outgoing_edges(session: Session, sources: set[int]) -> dict[int, list[_Edge]]:
    """Position-carrying edges leaving `sources`, in the order they are tried."""
    rows = session.execute(
        select(
            AssetRelationship.sourceassetid,
            AssetRelationship.targetassetid,
            AssetRelationship.assetrelationshipid,
            RelationshipType.relationshiptype,
            Asset.mapx,
            Asset.mapy,
            Asset.locationid,
        )
        .join(RelationshipType)
        .join(Asset, Asset.assetid == AssetRelationship.targetassetid)
        .where(
            ids_in(AssetRelationship.sourceassetid, sources),
            AssetRelationship.isactive.is_(True),
            AssetRelationship.inheritsposition.is_(True),
            RelationshipType.relationshiptype.in_(POSITION_EDGE_ORDER),
        ),
        execution_options=UNCACHED,
    )
    edges: dict[int, list[tuple]] = defaultdict(list)
    for source, target, edgeid, kind, mapx, mapy, locationid in rows:
        # Compared in Python so a legacy `Controls` type on a case-blind
        # collation can never be taken for `controls`.
        if kind not in POSITION_EDGE_ORDER:
            continue
        rank = (POSITION_EDGE_ORDER.index(kind), edgeid)
        edges[source].append((rank, _Edge(target, mapx, mapy, locationid)))
    return {source: [edge for _, edge in sorted(found)] for source, found in edges.items()}


def _edges_by_depth(session: Session, starts: set[int]) -> dict[int, list[_Edge]]:
    """Every edge the depth-first walks from `starts` could follow, fetched
    breadth-first over all of them at once: one query per hop."""
    edges: dict[int, list[_Edge]] = {}
    frontier, queried = set(starts), set()
    for _ in range(MAXIMUM_DEPTH):
        if not frontier:
            break
        found = _outgoing_edges(session, frontier)
        edges.update(found)
        queried |= frontier
        frontier = {edge.target for targets in found.values() for edge in targets} - queried
    return edges


def _walk(edges: dict[int, list[_Edge]], start: int) -> list[_Edge]:
    """The edges the depth-first walk reaches, in the order it reaches them."""
    visited = {start}
    reached: list[_Edge] = []

    def visit(source: int, depth: int) -> None:
        for edge in edges.get(source, ()):
            if edge.target in visited:
                continue
            visited.add(edge.target)
            reached.append(edge)
            if depth < MAXIMUM_DEPTH:
                visit(edge.target, depth + 1)

    visit(start, 1)
    return reached


def _location_positions(session: Session, locationids: set[int]) -> dict[int, tuple]:
    """For each location: (mapx, mapy, locationid) of itself, else of its
    nearest positioned ancestor; locations with neither are left out."""
    if not locationids:
        return {}
    chain = (
        select(
            Location.locationid.label("start"),
            Location.locationid,
            Location.parentlocationid,
            Location.mapx,
            Location.mapy,
        )
        .add_columns(literal_column("0").label("depth"))
        .where(ids_in(Location.locationid, locationids))
        .cte("chain", recursive=True)
    )
    parent = select(
        chain.c.start,
        Location.locationid,
        Location.parentlocationid,
        Location.mapx,
        Location.mapy,
        (chain.c.depth + 1).label("depth"),
    ).join(chain, Location.locationid == chain.c.parentlocationid)
    chain = chain.union_all(parent.where(chain.c.depth < MAXIMUM_LOCATION_DEPTH))
    rows = session.execute(
        select(chain.c.start, chain.c.locationid, chain.c.mapx, chain.c.mapy).order_by(
            chain.c.start, chain.c.depth
        ),
        execution_options=UNCACHED,
    )
    found: dict[int, tuple] = {}
    for start, locationid, mapx, mapy in rows:
        if start not in found and mapx is not None and mapy is not None:
            found[start] = (mapx, mapy, locationid)
    return found


class Placement(NamedTuple):
    """What resolution starts from: an asset's id, own coordinates and
    location (a tuple: a map makes thousands per request)."""

    assetid: int
    mapx: float | None
    mapy: float | None
    locationid: int | None


def resolve_placements(
    session: Session, placements: Iterable[Placement]
) -> dict[int, ResolvedPosition | None]:
    """Resolve many assets at once, in a bounded number of statements
    whatever their number: one per hop for the edges of every asset still
    unplaced (at most three), one recursive query for every location chain.
    The walks then run in memory, each exactly as for a single asset."""
    found: dict[int, ResolvedPosition | None] = {}
    pending: list[Placement] = []
    for placement in placements:
        if placement.mapx is not None and placement.mapy is not None:
            found[placement.assetid] = ResolvedPosition(placement.mapx, placement.mapy, "asset")
        else:
            pending.append(placement)
    if not pending:
        return found
    edges = _edges_by_depth(session, {placement.assetid for placement in pending})
    walks: dict[int, list[_Edge]] = {}
    wanted: set[int] = set()
    for placement in pending:
        reached = _walk(edges, placement.assetid)
        placed = next((edge for edge in reached if edge.placed), None)
        if placed is not None:
            assert placed.mapx is not None and placed.mapy is not None
            found[placement.assetid] = ResolvedPosition(
                placed.mapx, placed.mapy, "related", assetid=placed.target
            )
            continue
        walks[placement.assetid] = reached
        wanted |= {edge.locationid for edge in reached if edge.locationid is not None}
        if placement.locationid is not None:
            wanted.add(placement.locationid)
    located = _location_positions(session, wanted)
    for placement in pending:
        if placement.assetid in found:
            continue
        found[placement.assetid] = _by_location(walks[placement.assetid], placement, located)
    return found


def _by_location(
    reached: list[_Edge], placement: Placement, located: dict[int, tuple]
) -> ResolvedPosition | None:
    """Rule 2's second pass (a reached asset's location), then rule 3."""
    for edge in reached:
        if edge.locationid in located:
            mapx, mapy, locationid = located[edge.locationid]
            return ResolvedPosition(
                mapx, mapy, "related", assetid=edge.target, locationid=locationid
            )
    if placement.locationid in located:
        mapx, mapy, locationid = located[placement.locationid]
        return ResolvedPosition(mapx, mapy, "location", locationid=locationid)
    return None


def resolve_positions(
    session: Session, assetids: Iterable[int]
) -> dict[int, ResolvedPosition | None]:
    """Where each of these assets shows on the map and why (None: nowhere);
    ids of assets that do not exist are left out. One statement reads the
    assets, then `resolve_placements`."""
    wanted = sorted(set(assetids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Asset.assetid, Asset.mapx, Asset.mapy, Asset.locationid).where(
            ids_in(Asset.assetid, wanted)
        ),
        execution_options=UNCACHED,
    )
    return resolve_placements(session, (Placement(*row) for row in rows))


def resolve_asset_position(asset: Asset, session: Session | None = None) -> ResolvedPosition | None:
    """Where `asset` shows on the map and why; None when nothing gives a position.

    `session` defaults to the session the asset was loaded in. The same code
    as for many assets (`resolve_placements`), started from the loaded row.
    """
    session = session or object_session(asset)
    if session is None:
        raise ValueError("resolve_asset_position needs an asset loaded in a session")
    start = Placement(asset.assetid, asset.mapx, asset.mapy, asset.locationid)
    return resolve_placements(session, [start])[asset.assetid]
