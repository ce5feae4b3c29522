"""Generic REST endpoints built from a resource declaration.

Each resource gets list, create, get, partial update and delete under
`/api/<name>`. These views own the hard parts (permissions, the unit of work,
error replies); the write itself is the resource's `save` or `delete`. The
verbs are methods of `ResourceViews`, each made of named steps, so that a
resource (`Resource.views`) overrides one step and not the whole view; the
web UI's views take the same shape.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields
from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser

from shopdb.database import get_session
from shopdb.http.envelope import data_response
from shopdb.http.identity import authorize, guarded, request_actor
from shopdb.resources import operationdocs as docs
from shopdb.resources.definition import Resource
from shopdb.resources.naming import name_lookups
from shopdb.resources.queries import (
    SortKey,
    apply_filters,
    apply_search,
    build_list_arguments,
    paginate,
    sort_keys,
)
from shopdb.resources.schemas import ResourceSchemas, RowDumper
from shopdb.services.access import Access
from shopdb.services.unitofwork import unit_of_work


class PaginationSchema(Schema):
    page = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The page number; null for a page asked for by cursor"},
    )
    perpage = fields.Integer(required=True)
    total = fields.Integer(required=True)
    totalpages = fields.Integer(required=True)
    isexact = fields.Boolean(
        required=True,
        metadata={
            "description": (
                "False when the list holds more rows than were counted (10,000, or to "
                "the page asked for): total and totalpages are then lower bounds"
            )
        },
    )


class ListMetaSchema(Schema):
    pagination = fields.Nested(PaginationSchema, required=True)
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The `cursor` of the next page (same sort); null on the last page"
        },
    )


class DeleteArgumentsSchema(Schema):
    """The query of DELETE where the resource can delete for good."""

    permanent = fields.Boolean(
        load_default=False,
        metadata={"description": "Delete for good instead of retiring or revoking (admins)"},
    )


class NoArgumentsSchema(Schema):
    """The query of DELETE elsewhere: nothing."""


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


class ResourceViews:
    """The generic views of one resource, verb by verb, each made of steps a
    resource may override (set `Resource.views` to a subclass), as NetBox's
    generic views let a model change one step:

    - list: `list_query` (scope, filters, search, the sort of `list_order`),
      then `list_reply` (the page by number or by cursor);
    - detail: `get_object`, then `reply`;
    - create: `create_record` (the resource's `save`), then `created_reply`;
    - update: `get_object` (locked), `update_record` (`save`), then `reply`;
    - delete: `check_delete` (the permanent delete is for admins), `get_object`
      (locked), then `delete_record` (the resource's `delete`).

    Writes run in one unit of work as the request's actor; nothing here or
    below commits on its own.
    """

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.output = resource.schemas.output()
        self.rows = RowDumper(self.output)
        self.detail = resource.schemas.detail()

    # Steps -------------------------------------------------------------------

    def list_query(self, args: dict[str, Any]) -> Select:
        resource = self.resource
        query = apply_filters(resource, resource.scope(resource.select()), args)
        query, rank = apply_search(resource, query, args.get("q"))
        return query.order_by(*(key.ordering() for key in self.list_order(args, rank)))

    def list_order(self, args: dict[str, Any], rank: Any = None) -> list[SortKey]:
        """The keys the list is ordered by, which its cursors hold."""
        if rank is None and args.get("q") and not args.get("sort"):
            rank = apply_search(self.resource, select(), args["q"])[1]
        return sort_keys(self.resource, args.get("sort"), rank)

    def list_reply(self, session: Session, args: dict[str, Any]) -> ResponseReturnValue:
        page = paginate(
            session,
            self.list_query(args),
            args["page"],
            args["perpage"],
            keys=self.list_order(args),
            cursor=args.get("cursor"),
        )
        rows = self.rows.dump(page.rows)
        name_lookups(session, self.resource.named_lookups, rows)
        return data_response(rows, meta=page.meta())

    def get_object(self, session: Session, itemid: int, *, lock: bool = False) -> Any:
        return self.resource.get_row(session, itemid, lock=lock)

    def reply(self, session: Session, instance: Any, status: int = 200, **extra: Any) -> Any:
        data = self.resource.detail(session, instance, self.detail.dump(instance))
        name_lookups(session, self.resource.named_lookups, [data])
        return data_response({**data, **extra}, status)

    def create_record(self, session: Session, values: dict[str, Any]) -> Any:
        return self.resource.save(session, values, actor=request_actor(), validated=True).record

    def created_reply(self, session: Session, instance: Any) -> Any:
        extra = self.resource.after_create(session, instance)
        response = self.reply(session, instance, 201, **extra)
        # The new record's address, below the collection the POST went to.
        itemid = getattr(instance, self.resource.primary_key)
        response.headers["Location"] = f"{request.path.rstrip('/')}/{itemid}"
        return response

    def update_record(self, session: Session, instance: Any, values: dict[str, Any]) -> Any:
        return self.resource.save(
            session,
            values,
            instance,
            actor=request_actor(),
            validated=True,
            version=request.headers.get("If-Match"),
        )

    def check_delete(self, args: dict[str, Any]) -> None:
        if args.get("permanent"):
            authorize(Access.ADMIN, write=True)

    def delete_record(self, session: Session, instance: Any, args: dict[str, Any]) -> str:
        permanent = bool(args.get("permanent"))
        return self.resource.delete(session, instance, permanent, actor=request_actor())

    # Verbs -------------------------------------------------------------------

    def list(self, args: dict[str, Any]) -> ResponseReturnValue:
        return self.list_reply(get_session(), args)

    def get(self, itemid: int) -> ResponseReturnValue:
        session = get_session()
        instance = self.get_object(session, itemid)
        response = self.reply(session, instance)
        # Sent back as If-Match on a PATCH, it refuses (412) a change made on
        # a copy someone else has changed since.
        response.headers["ETag"] = f'"{self.resource.version(instance)}"'
        return response

    def create(self, values: dict[str, Any]) -> ResponseReturnValue:
        session = get_session()
        with unit_of_work(session, request_actor()):
            instance = self.create_record(session, values)
            return self.created_reply(session, instance)

    def update(self, values: dict[str, Any], itemid: int) -> ResponseReturnValue:
        session = get_session()
        with unit_of_work(session, request_actor()):
            instance = self.get_object(session, itemid, lock=True)
            self.update_record(session, instance, values)
            return self.reply(session, instance)

    def delete(self, args: dict[str, Any], itemid: int) -> ResponseReturnValue:
        self.check_delete(args)
        session = get_session()
        with unit_of_work(session, request_actor()):
            instance = self.get_object(session, itemid, lock=True)
            self.delete_record(session, instance, args)
        return "", 204


def build_blueprint(resource: Resource) -> Blueprint:
    schemas = resource.schemas
    base = schemas.output.__name__.removesuffix("Schema")
    item_envelope, list_envelope = _envelopes(base, schemas)
    # One instance for every request: a schema class given here is
    # instantiated per request, which deep-copies its ~40 fields (about 4 ms
    # of a list's fixed cost); loading is stateless, so threads may share it.
    list_arguments = build_list_arguments(resource, f"{base}ListArguments")()
    blueprint = ResourceBlueprint(
        resource.name,
        __name__,
        url_prefix=f"/api/{resource.name}",
        description=resource.description,
    )
    views = (resource.views or ResourceViews)(resource)
    delete_arguments = DeleteArgumentsSchema if resource.permanent_delete else NoArgumentsSchema

    def documented(
        summary: str, description: str, errors: dict[int, str], verb: str, **extra: Any
    ) -> Any:
        """The operation's summary, description, id and error replies in OpenAPI."""

        def decorate(view: Any) -> Any:
            for status, component in errors.items():
                view = blueprint.alt_response(status, component)(view)
            return blueprint.doc(
                summary=summary,
                description=description or summary,
                operationId=docs.operation_id(resource, verb),
                **extra,
            )(view)

        return decorate

    read = guarded(resource.read, write=False)
    write = guarded(resource.write, write=True)

    @blueprint.route("")
    class Collection(MethodView):
        @read
        @blueprint.arguments(list_arguments, location="query")
        @blueprint.response(200, list_envelope)
        @documented(
            f"List {resource.label}", docs.list_description(resource), docs.LIST_ERRORS, "list"
        )
        def get(self, args: dict[str, Any]) -> ResponseReturnValue:
            return views.list(args)

        if resource.allow_create:

            @write
            @blueprint.arguments(schemas.create)
            @blueprint.response(201, item_envelope)
            @documented(
                f"Create one of {resource.label}",
                docs.create_description(resource, schemas.create),
                docs.WRITE_ERRORS,
                "create",
                responses={201: docs.created_response(resource)},
            )
            def post(self, values: dict[str, Any]) -> ResponseReturnValue:
                return views.create(values)

    @blueprint.route("/<int:itemid>")
    class Item(MethodView):
        @read
        @blueprint.response(200, item_envelope)
        @documented(f"Fetch one of {resource.label}", "", docs.ITEM_ERRORS, "get")
        def get(self, itemid: int) -> ResponseReturnValue:
            return views.get(itemid)

        if resource.allow_update:

            @write
            @blueprint.arguments(schemas.update(partial=True))
            @blueprint.response(200, item_envelope)
            @documented(
                f"Change one of {resource.label}",
                docs.update_description(resource),
                {**docs.ITEM_ERRORS, **docs.WRITE_ERRORS},
                "update",
            )
            def patch(self, values: dict[str, Any], itemid: int) -> ResponseReturnValue:
                return views.update(values, itemid)

        if resource.allow_delete:

            @write
            @blueprint.arguments(delete_arguments, location="query")
            @blueprint.response(204)
            @documented(
                f"Delete one of {resource.label}",
                docs.delete_description(resource),
                {**docs.ITEM_ERRORS, 409: "CONFLICT"},
                "delete",
            )
            def delete(self, args: dict[str, Any], itemid: int) -> ResponseReturnValue:
                return views.delete(args, itemid)

    resource.extra_routes(blueprint, schemas.output)
    for image in resource.stored_images:
        image.routes(resource, blueprint, item_envelope, views.reply)
    return blueprint
