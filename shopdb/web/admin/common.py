"""What every admin page shares: the admin check and the one way to write."""

from __future__ import annotations

from typing import Any

from flask import request

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.http.identity import authorize, request_actor
from shopdb.services.access import Access
from shopdb.services.unitofwork import unit_of_work
from shopdb.web.site import current_site


def require_admin() -> None:
    """401 (to the sign-in page) or 403 unless the caller is an admin; a
    POST counts as a write (an admin's read-only token cannot write)."""
    authorize(Access.ADMIN, write=request.method == "POST")


def save(name: str, values: dict[str, Any], itemid: int | None = None) -> tuple[Any, Any]:
    """Create (no `itemid`) or change a record of the resource `name`
    through its `save`, in one unit of work as the request's actor; the
    saved result and what `after_create` hands back (a new token) or None."""
    resource = current_site().resources[name]
    session = get_session()
    actor = request_actor()
    with unit_of_work(session, actor):
        instance = None if itemid is None else resource.get_row(session, itemid, lock=True)
        saved = resource.save(session, values, instance, actor=actor)
        extra = resource.after_create(session, saved.record) if itemid is None else None
    return saved, extra


def delete(name: str, itemid: int) -> str:
    """Delete (or retire, or revoke: the resource decides) one record."""
    resource = current_site().resources[name]
    session = get_session()
    actor = request_actor()
    with unit_of_work(session, actor):
        return resource.delete(session, resource.get_row(session, itemid, lock=True), actor=actor)


def problems(error: InvalidInputError | ConflictError) -> dict[str, list[str]]:
    """The error's messages by field; "_" holds what belongs to no field."""
    found: dict[str, list[str]] = {}
    for key, value in (getattr(error, "details", None) or {}).items():
        messages = value if isinstance(value, list) else [value]
        found[key] = [str(each) for each in messages]
    if not found or isinstance(error, ConflictError):
        found.setdefault("_", []).append(str(error))
    return found


def by_field(found: dict[str, list[str]], shown: tuple[str, ...]) -> dict[str, list[str]]:
    """`found` with the messages of fields a form does not show under "_"."""
    kept = {key: value for key, value in found.items() if key in shown}
    rest = [message for key, value in found.items() if key not in shown for message in value]
    if rest:
        kept["_"] = rest
    return kept


def status(error: Exception) -> int:
    return 409 if isinstance(error, ConflictError) else 400
