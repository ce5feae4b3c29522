"""Relationships that follow from others through `propagatesthroughid`.

A relationship type that propagates through another (`controls` through
`partof`) applies to what is part of its target: a PC that controls a cell
also controls every machine that is `partof` that cell. Such a derived edge
is no row; it is read from two active rows, the edge (PC controls cell) and
the edge it comes through (machine partof cell). One level: what is part of
the target, not what is part of that.

Every function here is one or two set-based queries, whatever the number of
edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, select, union
from sqlalchemy.orm import Session, aliased

from shopdb.models import Asset, AssetRelationship, RelationshipType

# The edge that is propagated (PC controls cell) and the one it propagates
# through (machine partof cell); they meet at the cell.
_EDGE = aliased(AssetRelationship, name="edge")
_THROUGH = aliased(AssetRelationship, name="through")
_KIND = aliased(RelationshipType, name="kind")
_THROUGHKIND = aliased(RelationshipType, name="throughkind")


def _meeting(*columns: Any) -> Select:
    """`columns` of the (edge, through) pairs: both active, the through edge
    of the type the edge's type propagates through, pointing at the edge's
    target, and not back at the edge's own source."""
    return (
        select(*columns)
        .select_from(_EDGE)
        .join(_KIND, _KIND.relationshiptypeid == _EDGE.relationshiptypeid)
        .join(
            _THROUGH,
            and_(
                _THROUGH.targetassetid == _EDGE.targetassetid,
                _THROUGH.relationshiptypeid == _KIND.propagatesthroughid,
                _THROUGH.sourceassetid != _EDGE.sourceassetid,
            ),
        )
        .where(_EDGE.isactive.is_(True), _THROUGH.isactive.is_(True))
    )


def derived_from(assetids: Sequence[int]) -> Select:
    """The ids of the assets the given assets relate to through a derived
    edge (what a PC controls through a cell it controls)."""
    return _meeting(_THROUGH.sourceassetid).where(_EDGE.sourceassetid.in_(assetids))


def derived_to(assetids: Sequence[int]) -> Select:
    """The ids of the assets that relate to the given assets through a
    derived edge (the PC that controls the cell a machine is part of)."""
    return _meeting(_EDGE.sourceassetid).where(_THROUGH.sourceassetid.in_(assetids))


def _of_kind(query: Select, column: Any, kind: str | None) -> Select:
    """`query` narrowed to edges whose type (`column`) is named `kind`."""
    if kind is None:
        return query
    named = select(RelationshipType.relationshiptypeid).where(
        RelationshipType.relationshiptype == kind
    )
    return query.where(column.in_(named.scalar_subquery()))


def related_from(assetids: list[Any], kind: str | None = None) -> Any:
    """A condition on assets: related from one of `assetids` by an active
    edge (of type `kind`, or any), direct or derived (the `relatedfrom`
    filter; a PC's `controls`)."""
    direct = select(AssetRelationship.targetassetid).where(
        AssetRelationship.sourceassetid.in_(assetids), AssetRelationship.isactive.is_(True)
    )
    direct = _of_kind(direct, AssetRelationship.relationshiptypeid, kind)
    derived = _of_kind(derived_from(assetids), _EDGE.relationshiptypeid, kind)
    return Asset.assetid.in_(union(direct, derived))


def related_to(assetids: list[Any], kind: str | None = None) -> Any:
    """A condition on assets: related to one of `assetids` by an active edge
    (of type `kind`, or any), direct or derived (the `relatedto` filter)."""
    direct = select(AssetRelationship.sourceassetid).where(
        AssetRelationship.targetassetid.in_(assetids), AssetRelationship.isactive.is_(True)
    )
    direct = _of_kind(direct, AssetRelationship.relationshiptypeid, kind)
    derived = _of_kind(derived_to(assetids), _EDGE.relationshiptypeid, kind)
    return Asset.assetid.in_(union(direct, derived))


def related_pairs(assetids: Sequence[int], kind: str) -> Select:
    """(assetid, otherid) for each of `assetids` and each asset with an
    active edge of type `kind` to it, direct or derived: who controls each
    machine of a page, in one query."""
    direct = select(AssetRelationship.targetassetid, AssetRelationship.sourceassetid).where(
        AssetRelationship.targetassetid.in_(assetids), AssetRelationship.isactive.is_(True)
    )
    direct = _of_kind(direct, AssetRelationship.relationshiptypeid, kind)
    derived = _meeting(_THROUGH.sourceassetid, _EDGE.sourceassetid)
    derived = derived.where(_THROUGH.sourceassetid.in_(assetids))
    derived = _of_kind(derived, _EDGE.relationshiptypeid, kind)
    return select(union(direct, derived).subquery())


def _targets_of(assetid: int) -> Select:
    return select(AssetRelationship.targetassetid).where(AssetRelationship.sourceassetid == assetid)


def derived_edges_query(assetid: int) -> Select:
    """The derived edges of one asset, both directions, by their ids: the two
    edges, the assets at their three corners and both types. The assets are
    read after it by id: joined in here, PostgreSQL spent 10-16 ms planning
    the eight-table join of a 0.5 ms query."""
    return (
        _meeting(
            _EDGE.assetrelationshipid.label("edgeid"),
            _THROUGH.assetrelationshipid.label("throughid"),
            _EDGE.sourceassetid.label("sourceid"),
            _EDGE.targetassetid.label("meetingid"),
            _THROUGH.sourceassetid.label("partid"),
            _KIND.relationshiptype.label("kind"),
            _THROUGHKIND.relationshiptype.label("throughkind"),
        )
        .join(_THROUGHKIND, _THROUGHKIND.relationshiptypeid == _THROUGH.relationshiptypeid)
        .where((_EDGE.sourceassetid == assetid) | (_THROUGH.sourceassetid == assetid))
        # Implied by the line above (either way the two edges meet at a target
        # of this asset's own edges), and what lets the database start from
        # an index instead of joining every pair of edges.
        .where(_EDGE.targetassetid.in_(_targets_of(assetid)))
        .order_by(_EDGE.assetrelationshipid, _THROUGH.assetrelationshipid)
    )


def derived_edges(session: Session, assetid: int) -> dict[str, list[dict[str, Any]]]:
    """The derived edges of one asset, both directions: each with its type,
    the asset at the other end, and the two edges it comes from (`edge`: PC
    controls cell; `through`: machine partof cell, with the asset they meet
    at). One query, and one more for the assets when there are any."""
    found: dict[str, list[dict[str, Any]]] = {"outgoing": [], "incoming": []}
    rows = session.execute(derived_edges_query(assetid)).all()
    if not rows:
        return found
    wanted = {each for row in rows for each in (row.sourceid, row.meetingid, row.partid)}
    briefs = {
        row.assetid: {"assetid": row.assetid, "assetnumber": row.assetnumber, "name": row.name}
        for row in session.execute(
            select(Asset.assetid, Asset.assetnumber, Asset.name).where(
                Asset.assetid.in_(sorted(wanted))
            )
        )
    }
    for row in rows:
        outgoing = row.sourceid == assetid
        found["outgoing" if outgoing else "incoming"].append(
            {
                "relationshiptype": row.kind,
                "asset": briefs[row.partid if outgoing else row.sourceid],
                "edge": {"assetrelationshipid": row.edgeid, "relationshiptype": row.kind},
                "through": {
                    "assetrelationshipid": row.throughid,
                    "relationshiptype": row.throughkind,
                    "asset": briefs[row.meetingid],
                },
            }
        )
    return found
