"""Assets, their types and statuses, and the typed edges between them."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.errors import InvalidInputError
from shopdb.models import Asset, AssetRelationship, AssetStatus, AssetType, RelationshipType
from shopdb.resources.definition import Resource
from shopdb.resources.queries import FilterBy
from shopdb.resources.registry import RESOURCES_KEY
from shopdb.resources.schemas import ID_RANGE
from shopdb.services.access import Access
from shopdb.services.derived import related_from, related_to
from shopdb.services.positions import POSITION_EDGE_ORDER


class AssetResource(Resource):
    """Deleting an asset retires it; an admin may delete for good when nothing
    references it (both done by its storage, `AssetStorage`). An asset of a
    type a plugin owns has a row in the plugin's table too, so it is created
    through the plugin's resource and its type never changes here."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        typeid = values.get("assettypeid")
        if typeid is None or (instance is not None and typeid == instance.assettypeid):
            return values
        new = session.get(AssetType, typeid)
        if instance is None:
            if new is not None and new.pluginname:
                raise _owned_type_error(
                    f"Assets of type {new.assettype!r} belong to the plugin "
                    f"{new.pluginname!r}; create them {_where_created(new)}."
                )
            return values
        old = session.get(AssetType, instance.assettypeid)
        owned = next((row for row in (old, new) if row is not None and row.pluginname), None)
        if owned is not None:
            raise _owned_type_error(
                f"The type {owned.assettype!r} belongs to the plugin {owned.pluginname!r}, so "
                "an asset cannot change to or from it; create a new asset of the type wanted."
            )
        return values

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """A body of a type no plugin owns (created once if the site has none)."""
        body = super().sample(session, number)
        query = select(AssetType.assettypeid).where(AssetType.pluginname.is_(None))
        typeid = session.scalar(query.order_by(AssetType.assettypeid))
        if typeid is None:
            row = AssetType(assettype="other", label="Other")
            session.add(row)
            session.flush()
            typeid = row.assettypeid
        return {**body, "assettypeid": typeid}


def _owned_type_error(message: str) -> InvalidInputError:
    return InvalidInputError(message, {"assettypeid": [message]})


def _where_created(assettype: AssetType) -> str:
    resources = current_app.extensions.get(RESOURCES_KEY, {}).values()
    for resource in resources:
        if resource.asset_type == assettype.assettype:
            return f"at /api/{resource.name}"
    return "through that plugin (it is not active on this server)"


class RelationshipResource(Resource):
    """An edge joins two different assets. A new edge inherits position when
    its type carries position (`partof`, `controls`) unless told otherwise;
    an uplink (`connectedto`) does not, so the flag says what it does."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        source = values.get("sourceassetid", getattr(instance, "sourceassetid", None))
        target = values.get("targetassetid", getattr(instance, "targetassetid", None))
        if source is not None and source == target:
            raise InvalidInputError(
                "An asset cannot be related to itself.",
                {"targetassetid": ["Must differ from sourceassetid."]},
            )
        if instance is None and "inheritsposition" not in values:
            typeid = values.get("relationshiptypeid")
            kind = session.get(RelationshipType, typeid) if isinstance(typeid, int) else None
            carries = kind is not None and kind.relationshiptype in POSITION_EDGE_ORDER
            values = {**values, "inheritsposition": carries}
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
            (
                "relatedfrom",
                FilterBy(
                    fields.Integer(validate=ID_RANGE),
                    related_from,
                    "Assets this asset (an id) has an active edge to, directly or derived "
                    "through a type's propagatesthroughid: relatedfrom=<PC> lists what the PC "
                    "controls, the machines part of a cell it controls included.",
                ),
            ),
            (
                "relatedto",
                FilterBy(
                    fields.Integer(validate=ID_RANGE),
                    related_to,
                    "Assets with an active edge to this asset (an id), directly or derived: "
                    "relatedto=<machine> lists the PC that controls it, or the cell it is part "
                    "of.",
                ),
            ),
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
    ),
    Resource(
        AssetType,
        filters=("assettype", "pluginname"),
        sort=("assettype", "label", "modifiedat"),
        default_sort="assettype",
        search=(("assettype", 10), ("label", 8)),
        search_index=False,  # seeded rows, a few: scanned
        write=Access.ADMIN,
        read_only=("pluginname",),  # set by the plugin that registers the type
        list_columns=("assettype", "label", "pluginname", "icon"),
    ),
    Resource(
        AssetStatus,
        filters=("assetstatus",),
        sort=("assetstatus", "modifiedat"),
        default_sort="assetstatus",
        search=(("assetstatus", 10), ("description", 2)),
        search_index=False,  # seeded rows, a few: scanned
        write=Access.ADMIN,
        list_columns=("assetstatus", "description"),
    ),
    Resource(
        RelationshipType,
        filters=("relationshiptype", "propagatesthroughid"),
        sort=("relationshiptype", "modifiedat"),
        default_sort="relationshiptype",
        search=(("relationshiptype", 10), ("description", 2)),
        search_index=False,  # seeded rows, a few: scanned
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
