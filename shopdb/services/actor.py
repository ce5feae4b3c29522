"""Who writes: made once by the interface a write comes through (a request,
a command, a collector push, an import job) and handed down to the write path
and the audit trail, which never look at request globals themselves.

The unit of work keeps the actor of its transaction on the session
(`bind_actor`), so that hooks deep in the write path (a resource's `prepare`
asking "is this a collector push") and plugins' own `audit_log` calls find it
through the session they already hold (`actor_of`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from shopdb.services.access import ANONYMOUS, SCOPE_COLLECTOR, Identity

ACTOR_KEY = "shopdb.actor"


def new_requestid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Actor:
    """The caller of one write: who (`identity`: user, API token, collector
    key, command-line account), from which address, under which request id
    (shared by every audit entry of one request or command run), and for a
    background job its name."""

    identity: Identity = ANONYMOUS
    address: str | None = None
    requestid: str | None = field(default_factory=new_requestid)
    job: str | None = None

    @property
    def userid(self) -> int | None:
        return self.identity.userid

    @property
    def username(self) -> str:
        """The name the audit trail shows: the user's, else how the call came
        (`collectorkey`, `anonymous`)."""
        return self.identity.username or self.identity.via

    @property
    def via(self) -> str:
        return self.identity.via

    @property
    def is_collector(self) -> bool:
        """A collector push (a collector key, or a collector-scoped API token)."""
        return SCOPE_COLLECTOR in self.identity.scopes

    def acting_as(self, identity: Identity) -> Actor:
        """The same request, recorded under another identity (a sign-in names
        the user who signs in, not the anonymous caller)."""
        return replace(self, identity=identity)


# Writes made by the code itself (seeds, migrations of data) outside any caller.
SYSTEM = Actor(Identity(username="system", via="system"), requestid=None)


def command_actor(account: str, job: str | None = None) -> Actor:
    """A command run by an operating-system account (`shopdb ...`)."""
    return Actor(Identity(username=f"cli:{account}", via="cli"), job=job)


def bind_actor(session: Session, actor: Actor) -> None:
    session.info[ACTOR_KEY] = actor


def actor_of(session: Session) -> Actor | None:
    """The actor of the session's current unit of work, or None outside one."""
    return session.info.get(ACTOR_KEY)


@contextmanager
def acting(session: Session, actor: Actor | None) -> Iterator[None]:
    """Within the block, audit entries of `session` name `actor` (None: keep
    the unit of work's)."""
    if actor is None:
        yield
        return
    previous = session.info.get(ACTOR_KEY)
    bind_actor(session, actor)
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(ACTOR_KEY, None)
        else:
            bind_actor(session, previous)
