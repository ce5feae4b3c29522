"""Checks on the request line, before anything reads it.

A query string longer than MAXIMUM_QUERY_BYTES is a 414 in the JSON envelope.
The shipped gunicorn config (deploy/gunicorn.conf.py) sets no request-line
limit of gunicorn's own, so the app sees every address it documents and
answers longer ones itself, in JSON.

Werkzeug decodes a query string leniently: bytes that are not UTF-8 become
replacement characters and control characters pass through, so a mistyped or
hostile filter would quietly match nothing. A query string that is not text
is refused here with 400, naming what is wrong.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, request

from shopdb.http.envelope import ApiError

# The longest query string taken, in bytes as sent (%-escapes included): a
# filter repeated 100 times with 200-character values (what the document
# allows one filter) and more. The OpenAPI document says so on every list.
MAXIMUM_QUERY_BYTES = 65_536

# C0 controls and DEL; a tab or a newline is never part of a filter or a search.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def query_problem(query: bytes) -> str | None:
    """Why a raw query string is not usable text, or None when it is."""
    for part in query.split(b"&"):
        for piece in part.split(b"=", 1):
            raw = unquote_to_bytes(piece.replace(b"+", b" "))
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return f"{_shown(piece)} is not UTF-8 once its %-escapes are decoded"
            if CONTROL_CHARACTERS.search(text):
                return f"{_shown(piece)} holds a control character"
    return None


def _shown(piece: bytes) -> str:
    text = piece.decode("ascii", "replace")
    return repr(text if len(text) <= 40 else text[:37] + "...")


def check_query_string() -> None:
    if not request.path.startswith("/api/") or not request.query_string:
        return
    if len(request.query_string) > MAXIMUM_QUERY_BYTES:
        raise ApiError(
            414,
            "uri_too_long",
            f"The query string is {len(request.query_string)} bytes, more than the "
            f"{MAXIMUM_QUERY_BYTES} taken; ask for fewer values at once (split the "
            "request) or filter by something broader.",
        )
    problem = query_problem(request.query_string)
    if problem is not None:
        raise ApiError(
            400,
            "invalid_query",
            f"The query string cannot be read: {problem}; send UTF-8 text, %-escaped.",
        )


def init_app(app: Flask) -> None:
    app.before_request(check_query_string)
