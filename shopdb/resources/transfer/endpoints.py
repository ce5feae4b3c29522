"""The REST side of export and import, one blueprint per resource beside its
generic endpoints (`/api/<resource>/export`, `/export/template`, `/import`).

Export takes the list's own query string (filters, `q`, `sort`; no paging)
and builds the query with the list's own step (`ResourceViews.list_query`),
so an export holds exactly the rows of the list, in its order. Import takes
a multipart upload (field `file`), bounded in size (413 beyond it), for the
resource's writers (at least editors)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, current_app
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from shopdb.database import get_database, get_session
from shopdb.http.envelope import ApiError, data_response
from shopdb.http.identity import guarded, request_actor
from shopdb.http.uploads import takes_file, upload_body, uploaded_file
from shopdb.resources.definition import Resource
from shopdb.resources.endpoints import ResourceBlueprint, ResourceViews
from shopdb.resources.queries import build_list_arguments
from shopdb.resources.schemas import camel
from shopdb.resources.transfer.exporting import (
    CSV,
    FORMATS,
    MEDIA_TYPES,
    export_query,
    export_template,
)
from shopdb.resources.transfer.importing import import_file
from shopdb.services.unitofwork import unit_of_work

# Where init_api keeps the resources (shopdb.resources.registry, which imports this).
RESOURCES_KEY = "shopdb.resources"
# The largest file `POST /api/<resource>/import` takes (config IMPORT_MAX_BYTES).
DEFAULT_IMPORT_MAX_BYTES = 32 * 1024 * 1024
FORMAT_FIELD = fields.String(
    load_default=CSV,
    validate=validate.OneOf(FORMATS),
    metadata={"description": "csv (UTF-8 with BOM) or xlsx"},
)


class ImportRowSchema(Schema):
    row = fields.Integer(required=True)
    action = fields.String(required=True)
    identity = fields.String()
    changes = fields.List(fields.String())
    errors = fields.List(fields.Dict())


class ImportReportSchema(Schema):
    resource = fields.String(required=True)
    format = fields.String(required=True)
    dryrun = fields.Boolean(required=True)
    written = fields.Boolean(required=True)
    identity = fields.List(fields.String(), required=True)
    counts = fields.Dict(required=True)
    columns = fields.Dict(required=True)
    unknowncolumns = fields.List(fields.String(), required=True)
    ignoredcolumns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Nested(ImportRowSchema), required=True)


class ImportEnvelopeSchema(Schema):
    data = fields.Nested(ImportReportSchema, required=True)


class TemplateArguments(Schema):
    format = FORMAT_FIELD


class ImportArguments(Schema):
    dryrun = fields.Boolean(
        load_default=False, metadata={"description": "Report what would be done; write nothing"}
    )
    skiperrors = fields.Boolean(
        load_default=False,
        metadata={"description": "Write the good rows even when others have errors"},
    )
    createlookups = fields.Boolean(
        load_default=False,
        metadata={"description": "Create lookup rows (types, ...) named but not found"},
    )


def export_arguments(resource: Resource) -> type[Schema]:
    """The list's query-string schema without paging (page, perpage, cursor), with `format`."""
    base = build_list_arguments(resource, f"{camel(resource.name)}ExportBase")
    meta = type("Meta", (), {"exclude": ("page", "perpage", "cursor")})
    return type(
        f"{camel(resource.name)}ExportArguments",
        (base,),
        {"Meta": meta, "format": FORMAT_FIELD},
    )


def file_response(chunks: Any, kind: str, filename: str) -> Response:
    response = Response(chunks, mimetype=MEDIA_TYPES[kind].split(";")[0])
    if kind == CSV:
        response.headers["Content-Type"] = MEDIA_TYPES[kind]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


def import_limit() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES") or DEFAULT_IMPORT_MAX_BYTES)


def build_transfer_blueprint(resource: Resource) -> ResourceBlueprint:
    blueprint = ResourceBlueprint(
        f"{resource.name}transfer",
        __name__,
        url_prefix=f"/api/{resource.name}",
        description=f"Export and import of {resource.label}.",
    )
    views = (resource.views or ResourceViews)(resource)
    read = guarded(resource.read, write=False)
    write = guarded(resource.write, write=True)
    file_content = {
        "content": {
            MEDIA_TYPES[CSV].split(";")[0]: {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        }
    }

    @blueprint.route("/export", endpoint="export")
    @read
    @blueprint.arguments(export_arguments(resource), location="query")
    @blueprint.doc(
        summary=f"Export {resource.label} as CSV or XLSX",
        description=(
            "The rows of the list with the same filters, q and sort (no paging), streamed; "
            "lookups by name, nested rows as flat columns, text that a spreadsheet would "
            "run as a formula prefixed with an apostrophe. See docs/API.md."
        ),
        operationId=f"export{camel(resource.name)}",
        responses={200: {"description": "The file", **file_content}},
    )
    def export(args: dict[str, Any]) -> ResponseReturnValue:
        kind = args.pop("format")
        query = views.list_query(args)
        database = get_database()

        def stream() -> Iterator[bytes]:
            # A session of the stream's own, ended with it: the request's ends
            # with the request, and a client that goes away mid-file closes
            # the stream, so no transaction outlives either.
            session = database.sessionmaker()
            try:
                yield from export_query(resource, session, query, kind)
            finally:
                session.close()

        return file_response(stream(), kind, resource.name)

    @blueprint.route("/export/template", endpoint="template")
    @read
    @blueprint.arguments(TemplateArguments, location="query")
    @blueprint.doc(
        summary=f"An empty {resource.label} spreadsheet to fill in",
        description="The export's columns and one made-up example row.",
        operationId=f"template{camel(resource.name)}",
        responses={200: {"description": "The file", **file_content}},
    )
    def template(args: dict[str, Any]) -> ResponseReturnValue:
        kind = args["format"]
        session = get_session()
        body = None
        if resource.allow_create:
            # A sample may create what it refers to: made and rolled back.
            try:
                with unit_of_work(session, request_actor(), dryrun=True, write=False):
                    body = resource.sample(session, 1)
            except (ValueError, LookupError):
                body = None
        chunks = list(export_template(resource, session, body, kind))
        return file_response(iter(chunks), kind, f"{resource.name}-template")

    if resource.allow_create or resource.allow_update:

        @blueprint.route("/import", methods=["POST"], endpoint="import")
        @write
        @takes_file
        @blueprint.arguments(ImportArguments, location="query")
        @blueprint.response(200, ImportEnvelopeSchema)
        @blueprint.doc(
            summary=f"Import {resource.label} from CSV or XLSX",
            description=(
                "multipart/form-data with the file in the field `file`. Rows are found by "
                "the resource's identity and created or updated through the write path; "
                "the reply reports every row (created, updated with its changed columns, "
                "unchanged, error with column and message). All or nothing unless "
                f"skiperrors; dryrun writes nothing. At most {DEFAULT_IMPORT_MAX_BYTES} "
                "bytes by default (IMPORT_MAX_BYTES): 413 beyond it. See docs/API.md."
            ),
            operationId=f"import{camel(resource.name)}",
            requestBody=upload_body("The CSV or XLSX file"),
        )
        def import_view(args: dict[str, Any]) -> ResponseReturnValue:
            upload = uploaded_file(import_limit(), "the spreadsheet")
            report = import_file(
                resource,
                get_session(),
                upload.stream,
                upload.filename or "",
                request_actor(),
                dryrun=args["dryrun"],
                skip_errors=args["skiperrors"],
                create_lookups=args["createlookups"],
                resources=current_app.extensions.get(RESOURCES_KEY, {}),
            )
            if report.failed and not report.dryrun and not report.written:
                errors = report.counts["error"]
                raise ApiError(
                    400,
                    "import_failed",
                    f"{errors} row(s) of the file have errors, so nothing was written; fix "
                    "them, or import with skiperrors=true to write the good rows.",
                    report.as_dict(unchanged=False),
                )
            return data_response(report.as_dict())

    return blueprint
