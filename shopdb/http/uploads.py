"""Endpoints that take a file (multipart/form-data) instead of JSON: every
other write to /api/ must send JSON (`check_json_body`), so such a view says
so with `takes_file`, and then bounds and checks what it reads itself."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from shopdb.errors import InvalidInputError

UPLOAD_MARK = "shopdb_takes_file"
View = TypeVar("View")


def takes_file(view: View) -> View:
    """Mark a view that takes a multipart/form-data upload. Apply it below
    the route decorator; wrappers made with functools.wraps keep the mark."""
    setattr(view, UPLOAD_MARK, True)
    return view


def upload_body(what: str) -> dict[str, Any]:
    """The OpenAPI requestBody of a `takes_file` view, for
    `blueprint.doc(requestBody=upload_body("The PDF"))`: the document then
    says what the view reads (a client or a fuzzer sends the form)."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": what}
                    },
                }
            }
        },
    }


def is_upload_view() -> bool:
    """Whether the request is for a view marked with `takes_file`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, UPLOAD_MARK, False))


def uploaded_file(limit: int, what: str) -> FileStorage:
    """The upload in the form field `file` of a `takes_file` view, once the
    request is known to be multipart/form-data of at most `limit` bytes
    (413 past it, as werkzeug also stops reading there); `what` names the
    file in the messages ("the PDF"). The caller still bounds what it reads
    of the stream, since a body may not say its length."""
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            f"Send {what} as multipart/form-data in the field 'file', not "
            f"{request.mimetype or 'no type'}."
        )
    upload = request.files.get("file")
    if upload is None:
        message = f"Send {what} in the form field 'file'."
        raise InvalidInputError(message, {"file": [message]})
    return upload
