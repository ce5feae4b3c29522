"""The response envelope of DESIGN.md section 6 and the error handlers that
turn every failure, expected or not, into it.

Single object: {"data": {...}}; list: {"data": [...], "meta": {"pagination":
{...}}}; error: {"data": {"error": {"code", "message", "details"}}} with the
matching status code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from shopdb.database import get_database, is_retryable, is_unavailable, unavailable
from shopdb.errors import (
    AuthenticationRequiredError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)

# Codes for werkzeug's HTTP errors, so clients can branch on a stable word.
HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error that leaves as an envelope with a given status (and headers,
    such as WWW-Authenticate or Retry-After). Hand-written endpoints raise it
    rather than build error replies, so every error goes through the same
    handler as the generated endpoints'."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def data_response(data: Any, status: int = 200, meta: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"data": data}
    if meta is not None:
        body["meta"] = meta
    response = jsonify(body)
    response.status_code = status
    return response


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    body = {"data": {"error": {"code": code, "message": message, "details": details or {}}}}
    response = jsonify(body)
    response.status_code = status
    return response


def dotted(details: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"interfaces": {"0": {"macaddress": [...]}}} -> {"interfaces.0.macaddress": [...]}:
    one key per field, however deep the part. Other details (a dict of
    counts, say) are left as they are."""
    flat: dict[str, Any] = {}
    for name, value in details.items():
        path = f"{prefix}{name}"
        if _holds_field_messages(value):
            flat.update(dotted(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _holds_field_messages(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(item, dict | list) for item in value.values())
    )


def error_parts(error: Exception) -> tuple[int, str, str, dict[str, Any]] | None:
    """(status, code, message, details) for the errors ShopDB raises on
    purpose, None for anything else; replies and per-record batch results
    describe an error the same way, naming nested fields by dotted path."""
    parts = _error_parts(error)
    if parts is None:
        return None
    status, code, message, details = parts
    return status, code, message, dotted(details)


def _error_parts(error: Exception) -> tuple[int, str, str, dict[str, Any]] | None:
    if isinstance(error, ApiError):
        return error.status, error.code, error.message, error.details
    if isinstance(error, InvalidInputError):
        return 400, "invalid_input", str(error), error.details
    if isinstance(error, ValidationError):
        return 400, "invalid_input", str(error), {}
    if isinstance(error, NotFoundError):
        return 404, "not_found", str(error), {}
    if isinstance(error, StaleRecordError):
        return 412, "precondition_failed", str(error), error.details
    if isinstance(error, ConflictError):
        return 409, "conflict", str(error), error.details
    if isinstance(error, AuthenticationRequiredError):
        return 401, "authentication_required", str(error), {}
    if isinstance(error, PermissionDeniedError):
        return 403, "permission_denied", str(error), {}
    return None


def _from_exception(error: Exception) -> Response:
    parts = error_parts(error)
    if parts is None:
        raise error
    response = error_response(*parts)
    response.headers.update(getattr(error, "headers", None) or {})
    return response


def _http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    details = {}
    data = getattr(error, "data", None)
    # webargs/flask-smorest put field messages here.
    if isinstance(data, dict) and "messages" in data:
        details = dotted(_flatten_locations(data["messages"]))
    message = error.description or error.name
    methods = getattr(error, "valid_methods", None)
    if status == 413:
        # The request's own limit: an upload view may allow more than the app.
        limit = request.max_content_length
        message = f"The request body is larger than the limit of {limit} bytes."
    elif status == 404 and request.path.startswith("/api/") and request.url_rule is None:
        message = "There is no API endpoint at this address; /api/openapi.json lists them."
    elif status == 404 and not request.path.startswith("/api/"):
        message = "There is no page at this address."
    elif status == 405 and methods:
        allowed = ", ".join(sorted(methods))
        message = f"{request.path} does not take {request.method}; it takes {allowed}."
    code = HTTP_CODES.get(status, "error")
    if details or status == 422:
        # A webargs/marshmallow validation failure: field by field.
        status, code = 400, "invalid_input"
        message = "The request has invalid fields; see details."
    response = error_response(status, code, message, details)
    # get_headers() carries what the error class adds itself (Allow on a 405,
    # WWW-Authenticate, Retry-After); `headers` what a raiser set by hand.
    for name, value in [*error.get_headers(), *(getattr(error, "headers", None) or {}).items()]:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """{"json": {"name": [...]}} -> {"name": [...]}: the location adds nothing."""
    flat: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


# Seconds a client is asked to wait (Retry-After) before it sends again.
RETRY_BUSY_SECONDS = 2
RETRY_UNAVAILABLE_SECONDS = 10


def _database_error(error: DBAPIError) -> Response:
    """A database that is down, out of reach or too busy is a 503 with
    Retry-After, so scripts wait and send again; any other database error is
    a fault of the server's own."""
    if not is_unavailable(error):
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return _unexpected(error)
    if is_retryable(error):
        # The detail names hosts and paths: it goes to the log, not to callers.
        current_app.logger.warning(
            "%s %s: %s", request.method, request.path, unavailable(get_database().url, error)
        )
        message = "The database is busy with other writes; try again in a moment."
        seconds = RETRY_BUSY_SECONDS
    else:
        # One log line per outage, not one per refused request.
        get_database().outage.report(error)
        message = (
            "The database cannot be used right now; try again shortly. The server log says why."
        )
        seconds = RETRY_UNAVAILABLE_SECONDS
    response = error_response(503, "unavailable", message)
    response.headers["Retry-After"] = str(seconds)
    return response


def _unexpected(error: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on the server.")


def register_error_handlers(app: Flask) -> None:
    for kind in (
        ApiError,
        InvalidInputError,
        ValidationError,
        NotFoundError,
        ConflictError,
        AuthenticationRequiredError,
        PermissionDeniedError,
    ):
        app.register_error_handler(kind, _from_exception)
    app.register_error_handler(HTTPException, _http_exception)
    app.register_error_handler(DBAPIError, _database_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, _unexpected)
