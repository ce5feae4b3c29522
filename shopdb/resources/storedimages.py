"""Images a record keeps as an upload: a location's floor plan, a model's
picture. A resource declares them (`Resource(..., stored_images=(...))`)
and gets three routes per image beside its generic five:

    PUT    /api/<resource>/<id>/<route>   multipart, field `file` (editors)
    GET    /api/<resource>/<id>/<route>   the image bytes (readers)
    DELETE /api/<resource>/<id>/<route>   (editors)

An upload is checked by its content (`shopdb.services.images`), stored
under a generated name by the stored-file service (it follows the
transaction) and written through the resource's `update` in one unit of
work, so it is validated and audited like any edit. The web UI's forms call
the same `replace` and `clear`. A replaced or removed file goes once the
change is committed, unless another record still names it.

Serving reads only files inside the image's upload folder, and only when
their content is an image: a path typed into the JSON field (the instance
folder also holds the SQLite database) is never served. Every image goes out
with a sandboxing Content-Security-Policy, `nosniff`, the type its content
says, and an ETag (the stored name, unique per upload) for conditional GETs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Response, send_file
from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from shopdb.database import get_session
from shopdb.errors import InvalidInputError, NotFoundError
from shopdb.http.identity import guarded, request_actor
from shopdb.http.uploads import takes_file, upload_body, uploaded_file
from shopdb.resources.operationdocs import ITEM_ERRORS, WRITE_ERRORS
from shopdb.services import storedfiles
from shopdb.services.images import (
    DEFAULT_MAX_BYTES,
    MAXBYTES_SETTING,
    ImageError,
    check_image,
    served_type,
)
from shopdb.services.locations import MAXIMUM_LOCATION_DEPTH
from shopdb.services.settings import get_setting
from shopdb.services.unitofwork import unit_of_work

if TYPE_CHECKING:
    from shopdb.resources.definition import Resource

# What a served image may do in a browser that opens it on its own: nothing
# but draw (an SVG placed in the folder by hand cannot run script either).
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
CACHE_SECONDS = 3600
# A multipart body carries the file and a little more (boundaries, headers).
FORM_OVERHEAD = 16 * 1024


@dataclass(frozen=True)
class StoredImage:
    """One uploaded image of a resource's records.

    `route` names the URL part (`floorplan`), `column` the column holding
    the stored path, `folder` the upload folder under the instance folder
    (`floorplans`), `label` the words messages use ("floor plan");
    `width`/`height` name the columns that keep its size in pixels, if any;
    `inherited_through` names the relationship to the record whose image
    shows when a record has none of its own (a location's `parent`)."""

    route: str
    column: str
    folder: str
    label: str
    width: str = ""
    height: str = ""
    inherited_through: str = ""

    # What a record holds ------------------------------------------------------------

    def own_path(self, instance: Any) -> str | None:
        """The record's stored upload, or None (none, or a web address)."""
        value = getattr(instance, self.column, None)
        return value if value and storedfiles.inside(value, (self.folder,)) else None

    def web_address(self, instance: Any) -> str | None:
        value = getattr(instance, self.column, None)
        return value if value and value.lower().startswith(("http://", "https://")) else None

    def owner(self, instance: Any) -> Any | None:
        """The record whose image shows for `instance`: itself when it has
        one, else the nearest one up `inherited_through`; None for none."""
        seen = instance
        for _ in range(MAXIMUM_LOCATION_DEPTH + 1):
            if seen is None or self.own_path(seen):
                return seen
            if not self.inherited_through:
                return None
            seen = getattr(seen, self.inherited_through, None)
        return None

    def url(self, resource: str, key: str, instance: Any) -> str:
        """The image's route for the record (`key` its primary key's name)."""
        return f"/api/{resource}/{getattr(instance, key)}/{self.route}"

    def shown_at(self, resource: str, key: str, instance: Any | None) -> str | None:
        """Where a page loads the record's own image: its stored upload
        (`?v=` the stored name, so a new upload is fetched anew), else the
        web address it names; None when it has neither."""
        if instance is None:
            return None
        stored = self.own_path(instance)
        if stored:
            return f"{self.url(resource, key, instance)}?v={stored.rsplit('/', 1)[-1]}"
        return self.web_address(instance)

    # Writes (one unit of work is open) ---------------------------------------------------

    def limit(self, session: Session) -> int:
        return int(get_setting(session, MAXBYTES_SETTING, DEFAULT_MAX_BYTES))

    def replace(
        self, resource: Resource, session: Session, instance: Any, upload: FileStorage
    ) -> dict[str, Any]:
        """Store `upload` as the record's image through `resource.update`
        (validated, audited); the earlier file goes after the commit."""
        limit = self.limit(session)
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise RequestEntityTooLarge(
                f"The {self.label} is larger than the limit of {limit} bytes "
                f"(setting {MAXBYTES_SETTING})."
            )
        filename = (upload.filename or "").strip()
        try:
            checked = check_image(data, filename)
        except ImageError as error:
            message = f"The {self.label} was not stored: {error}"
            raise InvalidInputError(message, {"file": [str(error)]}) from None
        previous = self.own_path(instance)
        values: dict[str, Any] = {
            self.column: storedfiles.store(session, self.folder, checked.data, checked.extension)
        }
        if self.width:
            values[self.width] = checked.width
        if self.height:
            values[self.height] = checked.height
        changes = resource.update(session, instance, values)
        self.discard(resource, session, previous, instance)
        return changes

    def clear(self, resource: Resource, session: Session, instance: Any) -> dict[str, Any]:
        """Remove the record's image (audited); its file goes after the commit."""
        if getattr(instance, self.column, None) is None:
            itemid = getattr(instance, resource.primary_key)
            raise NotFoundError(f"The {resource.name} record {itemid} has no {self.label}.")
        previous = self.own_path(instance)
        values = {name: None for name in (self.column, self.width, self.height) if name}
        changes = resource.update(session, instance, values)
        self.discard(resource, session, previous, instance)
        return changes

    def discard(
        self, resource: Resource, session: Session, relpath: str | None, instance: Any
    ) -> None:
        """Remove a file `instance` no longer names (or that goes with it),
        once the change commits, unless another record still names it (a
        path set by hand)."""
        if not relpath:
            return
        table = resource.model.__table__
        key = table.c[resource.primary_key]
        users = session.scalar(
            select(func.count()).where(
                table.c[self.column] == relpath,
                key != getattr(instance, resource.primary_key),
            )
        )
        if not users:
            storedfiles.discard(session, relpath, (self.folder,))

    # Serving ---------------------------------------------------------------------------

    def serve(self, resource: Resource, instance: Any) -> Response:
        """The record's own image as its content says, or 404 with a reason."""
        itemid = getattr(instance, resource.primary_key)
        relpath = self.own_path(instance)
        if relpath is None:
            address = self.web_address(instance)
            raise NotFoundError(
                f"The {resource.name} record {itemid} has no {self.label} of its own"
                + (f"; its image is on the web at {address}." if address else ".")
                + f" Upload one with PUT {self.url(resource.name, resource.primary_key, instance)}."
            )
        try:
            path = storedfiles.path_of(relpath, (self.folder,))
        except storedfiles.StoredFileError:
            path = None
        if path is None or not path.is_file():
            raise NotFoundError(
                f"The {self.label} file of {resource.name} record {itemid} is missing from the "
                "instance folder; upload it again."
            )
        mimetype = served_type(_head(path))
        if mimetype is None:
            raise NotFoundError(
                f"The {self.label} file of {resource.name} record {itemid} is no PNG, JPEG or "
                "SVG image by its content; it is not served. Upload the image again."
            )
        response = send_file(
            path, mimetype=mimetype, etag=path.name, conditional=True, max_age=CACHE_SECONDS
        )
        response.cache_control.public = False
        response.cache_control.private = True
        response.headers["Content-Security-Policy"] = IMAGE_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # Routes ------------------------------------------------------------------------------

    def routes(
        self,
        resource: Resource,
        blueprint: Blueprint,
        envelope: type[Schema],
        reply: Callable[[Session, Any], Response],
    ) -> None:
        """PUT, GET and DELETE /<id>/<route> on the resource's blueprint;
        PUT answers with `reply`, the resource's own single-record reply
        (`envelope` in OpenAPI), as a PATCH does."""
        rule = f"/<int:itemid>/{self.route}"
        label = self.label

        def documented(verb: str, errors: dict[int, str], **doc: Any) -> Any:
            def decorate(view: Any) -> Any:
                for status, component in errors.items():
                    view = blueprint.alt_response(status, component)(view)
                return blueprint.doc(operationId=f"{resource.name}_{verb}{self.route}", **doc)(view)

            return decorate

        @blueprint.route(rule, methods=["PUT"], endpoint=f"put{self.route}")
        @guarded(resource.write, write=True)
        @takes_file
        @blueprint.response(200, envelope)
        @documented(
            "put",
            {**ITEM_ERRORS, **WRITE_ERRORS, 400: "BAD_REQUEST"},
            summary=f"Upload the {label} of one of {resource.label}",
            description=(
                f"multipart/form-data with the image as the field `file`: PNG, JPEG or SVG by "
                "its content, the name's extension agreeing (.png, .jpg/.jpeg, .svg). SVG is "
                "rebuilt without scripts, event handlers or outside references. At most the "
                f"setting {MAXBYTES_SETTING} bytes (default 10 MB): 413 beyond it. Replaces an "
                "earlier one (its file goes after the commit); audited. Replies with the record."
            ),
            requestBody=upload_body(f"The {label}: PNG, JPEG or SVG"),
        )
        def put_image(itemid: int) -> Any:
            session = get_session()
            upload = uploaded_file(self.limit(session) + FORM_OVERHEAD, f"the {label}")
            with unit_of_work(session, request_actor()):
                instance = resource.get_row(session, itemid, lock=True)
                self.replace(resource, session, instance, upload)
                return reply(session, instance)

        @blueprint.route(rule, methods=["GET"], endpoint=f"get{self.route}")
        @guarded(resource.read, write=False)
        @documented(
            "get",
            ITEM_ERRORS,
            summary=f"The {label} image of one of {resource.label}",
            description=(
                "The image bytes as their content says (image/png, image/jpeg, "
                "image/svg+xml), with an ETag for conditional requests (304). 404 when the "
                f"record has no {label} of its own (a web address is not fetched here)."
            ),
            responses={
                "200": {
                    "description": f"The {label}",
                    "content": {
                        kind: {"schema": {"type": "string", "format": "binary"}}
                        for kind in ("image/png", "image/jpeg", "image/svg+xml")
                    },
                },
                "304": {"description": "Not modified (If-None-Match matched the ETag)"},
            },
        )
        def get_image(itemid: int) -> Any:
            return self.serve(resource, resource.get_row(get_session(), itemid))

        @blueprint.route(rule, methods=["DELETE"], endpoint=f"delete{self.route}")
        @guarded(resource.write, write=True)
        @documented(
            "delete",
            ITEM_ERRORS,
            summary=f"Remove the {label} of one of {resource.label}",
            description=f"Clears the {label} (audited); its file goes after the commit.",
            responses={"204": {"description": f"The {label} was removed"}},
        )
        def delete_image(itemid: int) -> Any:
            session = get_session()
            with unit_of_work(session, request_actor()):
                instance = resource.get_row(session, itemid, lock=True)
                self.clear(resource, session, instance)
            return "", 204


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(4096)
