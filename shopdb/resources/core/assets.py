"""Assets, their types and statuses, and the typed edges between them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shopdb.errors import InvalidInputError
from shopdb.models import Asset, AssetRelationship, AssetStatus, AssetType, RelationshipType
from shopdb.resources.assetrecords import add_asset_detail, asset_detail_fields, retire_asset
from shopdb.resources.definition import Resource
from shopdb.services.access import Access, require


class AssetResource(Resource):
    """Deleting an asset retires it; an admin may delete for good when nothing
    references it."""

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        return add_asset_detail(session, instance, data)

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        if permanent:
            require(Access.ADMIN, write=True)
            return super().remove(session, instance, permanent)
        return retire_asset(session, instance)


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
        detail_fields=asset_detail_fields(),
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
