"""The audit trail: one entry per write, with who, when, from where, and the
before and after values of the fields that changed. Entries written while one
request runs share its request id.

Who, from where and under which request id come from the `Actor` the
interface made (`shopdb.services.actor`): given to `audit_log`, else the one
of the session's unit of work. Nothing here reads request globals.

`audit_log()` is public for plugins that record actions of their own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, insert, inspect
from sqlalchemy.orm import Mapper, Session

from shopdb.models import AuditLog
from shopdb.services.access import ANONYMOUS, Identity
from shopdb.services.actor import Actor, actor_of

# Never copied into the audit trail, whatever the model: a short fingerprint
# stands in, so the trail still shows that (and when) a secret changed.
SECRET_COLUMNS = frozenset({"passwordhash", "tokenhash"})
# Times every write moves: not a change of the record.
UNDIFFED = ("modifiedat", "createdat")


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


def snapshot(instance: Any, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The column values of a row (or of its columns among `keys`),
    JSON-safe, secrets replaced by fingerprints. Fields computed in SQL (a
    `column_property` over an expression) are not the row's and are left out."""
    columns = _row_columns(instance.__class__)
    if keys is not None:
        wanted = set(keys)
        columns = tuple(key for key in columns if key in wanted)
    return {key: _shown(key, getattr(instance, key)) for key in columns}


def _shown(key: str, value: Any) -> Any:
    if key in SECRET_COLUMNS:
        return fingerprint(value)
    if value is None or isinstance(value, str | int | float):
        return value  # bool is an int
    return json_safe(value)


def created_changes(instance: Any) -> dict[str, dict[str, Any]]:
    """`diff({}, snapshot(instance))` of a new row, without the snapshot of
    its times (which diff leaves out): a batch audits hundreds of new rows."""
    changes = {}
    for key in _created_columns(instance.__class__):
        value = getattr(instance, key)
        if value is not None:
            changes[key] = {"before": None, "after": _shown(key, value)}
    return changes


@functools.cache
def _created_columns(model: Any) -> tuple[str, ...]:
    return tuple(sorted(set(_row_columns(model)) - set(UNDIFFED)))


@functools.cache
def _row_columns(model: Any) -> tuple[str, ...]:
    """The model's attributes that are columns of its row (a batch
    snapshots hundreds of rows of one model)."""
    mapper: Mapper[Any] = inspect(model)
    return tuple(
        column.key for column in mapper.column_attrs if isinstance(column.expression, Column)
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields whose value changed, as {"field": {"before", "after"}}."""
    changed = {}
    for key in sorted(set(before) | set(after)):
        if key in UNDIFFED:
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
    actor: Actor | None = None,
) -> AuditLog:
    """Record one action. The caller's transaction commits it with the change.

    `actor` is who acts (default: the actor of the session's unit of work);
    `identity` records the entry under another identity within the same
    request (a sign-in names the user signing in)."""
    entry = AuditLog(action=action, entitytype=entitytype, changes=changes, message=message)
    entry.entityid = None if entityid is None else str(entityid)
    fill_actor(entry, actor_for(session, actor, identity))
    session.add(entry)
    return entry


def actor_for(session: Session, actor: Actor | None, identity: Identity | None = None) -> Actor:
    """The actor given, else the unit of work's, else an anonymous one."""
    who = actor or actor_of(session) or Actor(ANONYMOUS, requestid=None)
    return who if identity is None else who.acting_as(identity)


def fill_actor(entry: AuditLog, actor: Actor) -> None:
    entry.userid = actor.userid
    entry.username = actor.username
    entry.ipaddress = actor.address
    entry.requestid = actor.requestid


def audit_entries(
    session: Session,
    entries: list[dict[str, Any]],
    actor: Actor | None = None,
) -> None:
    """Many entries at once (a batch's), in one INSERT statement: each a dict
    of action, entitytype, entityid and changes (and optionally message)."""
    if not entries:
        return
    who = actor_for(session, actor)
    rows = [
        {
            "action": entry["action"],
            "entitytype": entry["entitytype"],
            "entityid": None if entry.get("entityid") is None else str(entry["entityid"]),
            "changes": entry.get("changes"),
            "message": entry.get("message"),
            "userid": who.userid,
            "username": who.username,
            "ipaddress": who.address,
            "requestid": who.requestid,
        }
        for entry in entries
    ]
    session.execute(insert(AuditLog), rows)
