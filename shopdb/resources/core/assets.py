"""Assets, their types and statuses, and the typed edges between them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from shopdb.errors import InvalidInputError, NotFoundError
from shopdb.models import Asset, AssetRelationship, AssetStatus, AssetType, RelationshipType
from shopdb.resources.definition import Resource
from shopdb.services.access import Access, require
from shopdb.services.positions import resolve_asset_position

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


class RelationshipsSchema(Schema):
    outgoing = fields.List(fields.Nested(EdgeSchema), required=True)
    incoming = fields.List(fields.Nested(EdgeSchema), required=True)


def asset_edges(session: Session, assetid: int) -> dict[str, list[dict[str, Any]]]:
    """Both directions in one query, with the other end's number and name."""
    other = aliased(Asset)
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


class AssetResource(Resource):
    """Deleting an asset retires it; an admin may delete for good when nothing
    references it."""

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        position = resolve_asset_position(instance, session)
        data["position"] = (
            None
            if position is None
            else {
                "mapx": position.mapx,
                "mapy": position.mapy,
                "rule": position.rule,
                "assetid": position.assetid,
                "locationid": position.locationid,
            }
        )
        data["relationships"] = asset_edges(session, instance.assetid)
        return data

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        if permanent:
            require(Access.ADMIN, write=True)
            return super().remove(session, instance, permanent)
        retired = session.scalar(select(AssetStatus).where(AssetStatus.assetstatus == RETIRED))
        if retired is None:
            raise NotFoundError("The 'retired' asset status is missing; run 'shopdb seed'.")
        instance.assetstatusid = retired.assetstatusid
        instance.isactive = False
        return "retire"


class RelationshipResource(Resource):
    """An edge joins two different assets."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        source = values.get("sourceassetid", getattr(instance, "sourceassetid", None))
        target = values.get("targetassetid", getattr(instance, "targetassetid", None))
        if source is not None and source == target:
            raise InvalidInputError(
                "An asset cannot be related to itself.",
                {"targetassetid": ["Must differ from sourceassetid."]},
            )
        return values


ASSET_RESOURCES = (
    AssetResource(
        Asset,
        filters=(
            "assetnumber",
            "name",
            "assettypeid",
            "assetstatusid",
            "locationid",
            "businessunitid",
            "vendorid",
            "modelid",
            "serialnumber",
            "isactive",
            "createdat",
            "modifiedat",
        ),
        sort=(
            "assetnumber",
            "name",
            "assettypeid",
            "assetstatusid",
            "locationid",
            "createdat",
            "modifiedat",
        ),
        default_sort="assetnumber",
        search=(("assetnumber", 10), ("name", 8), ("serialnumber", 6), ("notes", 1)),
        list_columns=("assetnumber", "name", "assettypeid", "assetstatusid", "locationid"),
        detail_fields={
            "position": fields.Nested(PositionSchema, allow_none=True, required=True),
            "relationships": fields.Nested(RelationshipsSchema, required=True),
        },
    ),
    Resource(
        AssetType,
        filters=("assettype", "pluginname"),
        sort=("assettype", "label", "modifiedat"),
        default_sort="assettype",
        search=(("assettype", 10), ("label", 8)),
        write=Access.ADMIN,
        list_columns=("assettype", "label", "pluginname", "icon"),
    ),
    Resource(
        AssetStatus,
        filters=("assetstatus",),
        sort=("assetstatus", "modifiedat"),
        default_sort="assetstatus",
        search=(("assetstatus", 10), ("description", 2)),
        write=Access.ADMIN,
        list_columns=("assetstatus", "description"),
    ),
    Resource(
        RelationshipType,
        filters=("relationshiptype", "propagatesthroughid"),
        sort=("relationshiptype", "modifiedat"),
        default_sort="relationshiptype",
        search=(("relationshiptype", 10), ("description", 2)),
        write=Access.ADMIN,
        list_columns=("relationshiptype", "description", "propagatesthroughid"),
    ),
    RelationshipResource(
        AssetRelationship,
        filters=(
            "sourceassetid",
            "targetassetid",
            "relationshiptypeid",
            "inheritsposition",
            "isactive",
        ),
        sort=("assetrelationshipid", "sourceassetid", "targetassetid", "createdat", "modifiedat"),
        search=(("label", 5),),
        list_columns=("sourceassetid", "relationshiptypeid", "targetassetid", "label", "isactive"),
        form_fields=(
            "sourceassetid",
            "relationshiptypeid",
            "targetassetid",
            "label",
            "inheritsposition",
            "isactive",
        ),
    ),
)
