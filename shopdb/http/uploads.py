"""Endpoints that take a file (multipart/form-data) instead of JSON: every
other write to /api/ must send JSON (`check_json_body`), so such a view says
so with `takes_file`, and then bounds and checks what it reads itself."""

from __future__ import annotations

from typing import TypeVar

from flask import current_app, request

UPLOAD_MARK = "shopdb_takes_file"
View = TypeVar("View")


def takes_file(view: View) -> View:
    """Mark a view that takes a multipart/form-data upload. Apply it below
    the route decorator; wrappers made with functools.wraps keep the mark."""
    setattr(view, UPLOAD_MARK, True)
    return view


def is_upload_view() -> bool:
    """Whether the request is for a view marked with `takes_file`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, UPLOAD_MARK, False))
