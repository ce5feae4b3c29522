"""The audit trail: one entry per write, with who, when, from where, and the
before and after values of the fields that changed. Entries written while one
request runs share its request id.

`audit_log()` is public for plugins that record actions of their own.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import Column, inspect
from sqlalchemy.orm import Session

from shopdb.models import AuditLog
from shopdb.services.access import Identity, current_identity

# Never copied into the audit trail, whatever the model: a short fingerprint
# stands in, so the trail still shows that (and when) a secret changed.
SECRET_COLUMNS = frozenset({"passwordhash", "tokenhash"})


def request_id() -> str | None:
    """The id shared by every entry of the current request (or command run).

    Kept in the WSGI environment during a request, so it belongs to that
    request even when an application context outlives it (tests, CLI).
    """
    if has_request_context():
        return request.environ.setdefault("shopdb.requestid", str(uuid.uuid4()))
    if not has_app_context():
        return None
    if "requestid" not in g:
        g.requestid = str(uuid.uuid4())
    return g.requestid


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def json_safe(value: Any) -> Any:
    # Times are stored as naive UTC; recorded with their offset, as the API shows them.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def fingerprint(secret: Any) -> str | None:
    if secret is None:
        return None
    return "sha256:" + hashlib.sha256(str(secret).encode()).hexdigest()[:12]


def snapshot(instance: Any) -> dict[str, Any]:
    """The column values of a row, JSON-safe, secrets replaced by fingerprints.
    Fields computed in SQL (a `column_property` over an expression) are not
    the row's and are left out."""
    mapper = inspect(type(instance))
    return {
        column.key: (
            fingerprint(getattr(instance, column.key))
            if column.key in SECRET_COLUMNS
            else json_safe(getattr(instance, column.key))
        )
        for column in mapper.column_attrs
        if isinstance(column.expression, Column)
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields whose value changed, as {"field": {"before", "after"}}."""
    changed = {}
    for key in sorted(set(before) | set(after)):
        if key in ("modifiedat", "createdat"):
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            changed[key] = {"before": old, "after": new}
    return changed


def audit_log(
    session: Session,
    action: str,
    entitytype: str,
    entityid: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    message: str | None = None,
    identity: Identity | None = None,
) -> AuditLog:
    """Record one action. The caller's transaction commits it with the change."""
    who = identity or current_identity()
    entry = AuditLog(
        userid=who.userid,
        username=who.username or who.via,
        action=action,
        entitytype=entitytype,
        entityid=None if entityid is None else str(entityid),
        changes=changes,
        ipaddress=client_address(),
        requestid=request_id(),
        message=message,
    )
    session.add(entry)
    return entry
