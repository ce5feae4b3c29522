"""What every asset record has, whether the core asset resource or a plugin's
asset extension serves it: the resolved position and the relationships on
single-object replies, and retiring instead of deleting."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from shopdb.errors import NotFoundError
from shopdb.models import Asset, AssetRelationship, AssetStatus, RelationshipType
from shopdb.services.derived import derived_edges
from shopdb.services.positions import resolve_asset_position

ACTIVE = "active"
RETIRED = "retired"


class PositionSchema(Schema):
    mapx = fields.Float(required=True)
    mapy = fields.Float(required=True)
    rule = fields.String(required=True, metadata={"description": "asset, related or location"})
    assetid = fields.Integer(allow_none=True)
    locationid = fields.Integer(allow_none=True)


class RelatedAssetSchema(Schema):
    assetid = fields.Integer(required=True)
    assetnumber = fields.String(required=True)
    name = fields.String(allow_none=True)


class EdgeSchema(Schema):
    assetrelationshipid = fields.Integer(required=True)
    relationshiptype = fields.String(required=True)
    label = fields.String(allow_none=True)
    inheritsposition = fields.Boolean(required=True)
    isactive = fields.Boolean(required=True)
    asset = fields.Nested(RelatedAssetSchema, required=True)


class EdgeBriefSchema(Schema):
    assetrelationshipid = fields.Integer(required=True)
    relationshiptype = fields.String(required=True)


class ThroughEdgeSchema(EdgeBriefSchema):
    asset = fields.Nested(
        RelatedAssetSchema,
        required=True,
        metadata={"description": "The asset the two edges meet at (the cell)"},
    )


class DerivedEdgeSchema(Schema):
    relationshiptype = fields.String(required=True)
    asset = fields.Nested(RelatedAssetSchema, required=True)
    edge = fields.Nested(
        EdgeBriefSchema,
        required=True,
        metadata={"description": "The edge that propagates (PC controls cell)"},
    )
    through = fields.Nested(
        ThroughEdgeSchema,
        required=True,
        metadata={"description": "The edge it propagates through (machine partof cell)"},
    )


class DerivedEdgesSchema(Schema):
    outgoing = fields.List(fields.Nested(DerivedEdgeSchema), required=True)
    incoming = fields.List(fields.Nested(DerivedEdgeSchema), required=True)


class RelationshipsSchema(Schema):
    outgoing = fields.List(fields.Nested(EdgeSchema), required=True)
    incoming = fields.List(fields.Nested(EdgeSchema), required=True)
    derived = fields.Nested(
        DerivedEdgesSchema,
        required=True,
        metadata={
            "description": (
                "Edges that follow from a type's propagatesthroughid: a PC that controls a "
                "cell controls what is partof the cell"
            )
        },
    )


def asset_detail_fields() -> dict[str, fields.Field]:
    """The output fields `add_asset_detail` fills, for the OpenAPI document."""
    return {
        "position": fields.Nested(PositionSchema, allow_none=True, required=True),
        "relationships": fields.Nested(RelationshipsSchema, required=True),
    }


# The asset at an edge's other end, aliased once (a new alias per call
# rebuilds the proxies of all its columns).
_OTHER = aliased(Asset, name="other")


def asset_edges(session: Session, assetid: int) -> dict[str, list[dict[str, Any]]]:
    """Both directions in one query, with the other end's number and name."""
    other = _OTHER
    rows = session.execute(
        select(AssetRelationship, RelationshipType.relationshiptype, other)
        .join(RelationshipType)
        .join(
            other,
            or_(
                (AssetRelationship.sourceassetid == assetid)
                & (other.assetid == AssetRelationship.targetassetid),
                (AssetRelationship.targetassetid == assetid)
                & (other.assetid == AssetRelationship.sourceassetid),
            ),
        )
        .where(
            or_(
                AssetRelationship.sourceassetid == assetid,
                AssetRelationship.targetassetid == assetid,
            )
        )
        .order_by(AssetRelationship.assetrelationshipid)
    )
    edges: dict[str, list[dict[str, Any]]] = {"outgoing": [], "incoming": []}
    for edge, kind, far in rows:
        direction = "outgoing" if edge.sourceassetid == assetid else "incoming"
        edges[direction].append(
            {
                "assetrelationshipid": edge.assetrelationshipid,
                "relationshiptype": kind,
                "label": edge.label,
                "inheritsposition": edge.inheritsposition,
                "isactive": edge.isactive,
                "asset": {"assetid": far.assetid, "assetnumber": far.assetnumber, "name": far.name},
            }
        )
    return edges


def add_asset_detail(session: Session, asset: Asset, data: dict[str, Any]) -> dict[str, Any]:
    """Add where the asset shows on the map and its edges to a detail reply."""
    position = resolve_asset_position(asset, session)
    data["position"] = None if position is None else asdict(position)
    edges: dict[str, Any] = asset_edges(session, asset.assetid)
    edges["derived"] = derived_edges(session, asset.assetid)
    data["relationships"] = edges
    return data


def asset_status(session: Session, name: str) -> AssetStatus:
    """A seeded status by name; its absence is a setup problem the message fixes."""
    found = session.scalar(select(AssetStatus).where(AssetStatus.assetstatus == name))
    if found is None:
        raise NotFoundError(f"The {name!r} asset status is missing; run 'shopdb seed'.")
    return found


def retire_asset(session: Session, asset: Asset) -> str:
    """Deleting an asset keeps its row and history: it becomes retired and
    inactive. Returns the audit action."""
    asset.assetstatusid = asset_status(session, RETIRED).assetstatusid
    asset.isactive = False
    return "retire"
