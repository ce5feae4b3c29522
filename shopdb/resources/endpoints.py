"""Generic REST endpoints built from a resource declaration.

Each resource gets list, create, get, partial update and delete under
`/api/<name>`. These views own the hard parts (permissions, the transaction,
the audit entry, error replies); a resource only overrides small hooks.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields
from webargs.flaskparser import FlaskParser

from shopdb.database import get_session
from shopdb.errors import NotFoundError
from shopdb.http.envelope import data_response
from shopdb.resources import operationdocs as docs
from shopdb.resources.definition import Resource
from shopdb.resources.queries import (
    apply_filters,
    apply_search,
    apply_sort,
    build_list_arguments,
    paginate,
)
from shopdb.resources.schemas import ResourceSchemas
from shopdb.services.access import guarded


class PaginationSchema(Schema):
    page = fields.Integer(required=True)
    perpage = fields.Integer(required=True)
    total = fields.Integer(required=True)
    totalpages = fields.Integer(required=True)


class ListMetaSchema(Schema):
    pagination = fields.Nested(PaginationSchema, required=True)


class DeleteArgumentsSchema(Schema):
    permanent = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Delete for good instead of retiring (admins; asset records only)"
        },
    )


class ValidationParser(FlaskParser):
    """Invalid input is a 400 in ShopDB, in replies and in the OpenAPI document,
    and an unknown query parameter is invalid input: a misspelt filter must
    fail loudly, not return the unfiltered list."""

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }


class ResourceBlueprint(Blueprint):
    ARGUMENTS_PARSER = ValidationParser()


def _envelopes(base: str, schemas: ResourceSchemas) -> tuple[type[Schema], type[Schema]]:
    item = type(
        f"{base}Envelope", (Schema,), {"data": fields.Nested(schemas.detail, required=True)}
    )
    listing = type(
        f"{base}ListEnvelope",
        (Schema,),
        {
            "data": fields.List(fields.Nested(schemas.output), required=True),
            "meta": fields.Nested(ListMetaSchema, required=True),
        },
    )
    return item, listing


def build_blueprint(resource: Resource) -> Blueprint:
    schemas = resource.schemas
    base = schemas.output.__name__.removesuffix("Schema")
    item_envelope, list_envelope = _envelopes(base, schemas)
    list_arguments = build_list_arguments(resource, f"{base}ListArguments")
    blueprint = ResourceBlueprint(
        resource.name,
        __name__,
        url_prefix=f"/api/{resource.name}",
        description=resource.description,
    )
    output = schemas.output()
    detail = schemas.detail()

    def find(session: Any, itemid: int, *, lock: bool = False) -> Any:
        instance = resource.find(session, itemid, lock=lock)
        if instance is None:
            raise NotFoundError(f"There is no {resource.name} row with id {itemid}.")
        return instance

    def reply(session: Any, instance: Any, status: int = 200, **extra: Any) -> Response:
        data = resource.detail(session, instance, detail.dump(instance))
        return data_response({**data, **extra}, status)

    def documented(summary: str, description: str, errors: dict[int, str]) -> Any:
        """The operation's summary, description and error replies in OpenAPI."""

        def decorate(view: Any) -> Any:
            for status, component in errors.items():
                view = blueprint.alt_response(status, component)(view)
            return blueprint.doc(summary=summary, description=description or summary)(view)

        return decorate

    read = guarded(resource.read, write=False)
    write = guarded(resource.write, write=True)

    @blueprint.route("")
    class Collection(MethodView):
        @read
        @blueprint.arguments(list_arguments, location="query")
        @blueprint.response(200, list_envelope)
        @documented(f"List {resource.label}", docs.list_description(resource), docs.READ_ERRORS)
        def get(self, args: dict[str, Any]) -> ResponseReturnValue:
            session = get_session()
            query = apply_filters(resource, resource.scope(resource.select()), args)
            query, rank = apply_search(resource, query, args.get("q"))
            query = apply_sort(resource, query, args.get("sort"), rank)
            page = paginate(session, query, args["page"], args["perpage"])
            return data_response(output.dump(page.rows, many=True), meta=page.meta())

        if resource.allow_create:

            @write
            @blueprint.arguments(schemas.create)
            @blueprint.response(201, item_envelope)
            @documented(
                f"Create one of {resource.label}",
                docs.create_description(resource, schemas.create),
                docs.WRITE_ERRORS,
            )
            def post(self, values: dict[str, Any]) -> ResponseReturnValue:
                session = get_session()
                instance = resource.create(session, values)
                extra = resource.after_create(session, instance)
                response = reply(session, instance, 201, **extra)
                session.commit()
                return response

    @blueprint.route("/<int:itemid>")
    class Item(MethodView):
        @read
        @blueprint.response(200, item_envelope)
        @documented(f"Fetch one of {resource.label}", "", docs.ITEM_ERRORS)
        def get(self, itemid: int) -> ResponseReturnValue:
            session = get_session()
            return reply(session, find(session, itemid))

        if resource.allow_update:

            @write
            @blueprint.arguments(schemas.update(partial=True))
            @blueprint.response(200, item_envelope)
            @documented(
                f"Change one of {resource.label}",
                docs.update_description(resource),
                {**docs.ITEM_ERRORS, **docs.WRITE_ERRORS},
            )
            def patch(self, values: dict[str, Any], itemid: int) -> ResponseReturnValue:
                session = get_session()
                instance = find(session, itemid, lock=True)
                resource.update(session, instance, values)
                response = reply(session, instance)
                session.commit()
                return response

        if resource.allow_delete:

            @write
            @blueprint.arguments(DeleteArgumentsSchema, location="query")
            @blueprint.response(204)
            @documented(
                f"Delete one of {resource.label}",
                docs.delete_description(resource),
                {**docs.ITEM_ERRORS, 409: "CONFLICT"},
            )
            def delete(self, args: dict[str, Any], itemid: int) -> ResponseReturnValue:
                session = get_session()
                instance = find(session, itemid, lock=True)
                resource.delete(session, instance, args["permanent"])
                session.commit()
                return "", 204

    resource.extra_routes(blueprint, schemas.output)
    return blueprint
