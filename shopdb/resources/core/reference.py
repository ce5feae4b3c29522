"""Reference data: vendors, models, operating systems, business units,
location types and the location tree."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.database import get_session
from shopdb.errors import InvalidInputError
from shopdb.http.envelope import data_response
from shopdb.http.identity import guarded
from shopdb.models import (
    BusinessUnit,
    Location,
    LocationType,
    OperatingSystem,
    ProductModel,
    Vendor,
)
from shopdb.resources.core.locationmap import map_routes
from shopdb.resources.definition import Resource
from shopdb.resources.fieldtypes import ImageUrl, UploadPath
from shopdb.resources.lookups import lookup_resource
from shopdb.resources.storedimages import StoredImage
from shopdb.services.access import Access


class LocationResource(Resource):
    """Locations form a tree; a location may not become its own ancestor."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        parentid = values.get("parentlocationid")
        if instance is None or parentid is None:
            return values
        parents = dict(
            session.execute(select(Location.locationid, Location.parentlocationid)).all()
        )
        seen = parentid
        while seen is not None:
            if seen == instance.locationid:
                raise InvalidInputError(
                    "A location cannot be placed inside itself or its own descendants.",
                    {"parentlocationid": ["Would make a cycle in the location tree."]},
                )
            seen = parents.get(seen)
        return values

    def extra_routes(self, blueprint: Blueprint, output_schema: type[Schema]) -> None:
        node = type(
            "LocationTreeNodeSchema",
            (output_schema,),
            {"children": fields.List(fields.Nested(lambda: node()), required=True)},  # noqa: PLW0108
        )
        envelope = type(
            "LocationTreeEnvelope", (Schema,), {"data": fields.List(fields.Nested(node))}
        )
        dumper = output_schema()

        @blueprint.route("/tree")
        @guarded(self.read, write=False)
        @blueprint.response(200, envelope)
        def tree() -> Any:
            """The whole location hierarchy, roots first, in one query."""
            rows = get_session().scalars(select(Location).order_by(Location.name)).all()
            dumped = {row.locationid: {**dumper.dump(row), "children": []} for row in rows}
            roots: list[dict[str, Any]] = []
            for row in rows:
                parent = dumped.get(row.parentlocationid) if row.parentlocationid else None
                (parent["children"] if parent else roots).append(dumped[row.locationid])
            return data_response(roots)

        map_routes(self, blueprint)


# Uploaded images (shopdb.resources.storedimages): a location's own floor plan
# (a location without one shows its nearest ancestor's), a model's picture.
FLOORPLAN = StoredImage(
    route="floorplan",
    column="floorplanimage",
    folder="floorplans",
    label="floor plan",
    width="floorplanwidth",
    height="floorplanheight",
    inherited_through="parent",
)
PICTURE = StoredImage(route="picture", column="imageurl", folder="pictures", label="picture")


def model_picture_url(model: ProductModel | None) -> str | None:
    """Where a page or print view loads a model's picture (its stored
    upload, or the web address it names), or None."""
    return PICTURE.shown_at("models", "modelid", model)


REFERENCE_RESOURCES = (
    Resource(
        Vendor,
        filters=("vendor", "isactive"),
        sort=("vendor", "createdat", "modifiedat"),
        default_sort="vendor",
        search=(("vendor", 10), ("website", 2), ("notes", 1)),
        list_columns=("vendor", "website", "isactive"),
    ),
    Resource(
        ProductModel,
        filters=("vendorid", "assettypeid", "modelnumber", "isactive"),
        sort=("modelnumber", "vendorid", "createdat", "modifiedat"),
        default_sort="modelnumber",
        search=(("modelnumber", 10), ("notes", 1)),
        list_columns=("modelnumber", "vendorid", "assettypeid", "isactive"),
        field_rules={"imageurl": ImageUrl(folders=(PICTURE.folder,))},
        stored_images=(PICTURE,),
    ),
    lookup_resource(OperatingSystem, "operatingsystem", write=Access.EDITOR),
    lookup_resource(BusinessUnit, "businessunit", also=(("code", 8),), write=Access.EDITOR),
    lookup_resource(LocationType, "locationtype"),
    LocationResource(
        Location,
        filters=("name", "locationtypeid", "parentlocationid", "isactive"),
        sort=("name", "locationtypeid", "parentlocationid", "createdat", "modifiedat"),
        default_sort="name",
        search=(("name", 10), ("notes", 1)),
        list_columns=("name", "locationtypeid", "parentlocationid", "isactive"),
        field_rules={"floorplanimage": UploadPath(folders=(FLOORPLAN.folder,))},
        stored_images=(FLOORPLAN,),
        form_fields=(
            "name",
            "locationtypeid",
            "parentlocationid",
            "mapx",
            "mapy",
            "notes",
            "isactive",
        ),
    ),
)
