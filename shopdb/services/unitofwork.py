"""The unit of work: the one owner of a write's transaction.

Every interface that writes (the REST views, collector pushes and batches,
sign-in, commands, plugins' lifecycle) opens one:

    with unit_of_work(session, actor):
        resource.save(session, body, actor=actor)

It ends what the caller read so far, begins the transaction as one that
will write (BEGIN IMMEDIATE on SQLite, so writers queue for the lock instead
of failing when a read turns into a write), hands the actor to the session
for the audit trail, and at the end commits, or rolls back on any error (or
always, in a dry run). Nothing below it commits.

`retrying()` runs a unit of work again when it lost a race that running
it again cures: a duplicate another writer committed first (the next run
finds that writer's row), a deadlock, a serialization failure. A database
that waited its whole lock timeout, or cannot serve at all, is not run
again: the error goes up, and the HTTP layer answers 503 with Retry-After
(`shopdb.http.envelope`), a command prints one sentence (`shopdb.cli.support`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shopdb.database import begin_write, is_retryable, waited_in_vain
from shopdb.errors import ConflictError
from shopdb.services.actor import Actor, acting
from shopdb.services.records import KNOWN_KEY

# Runs of one unit of work: a lost race costs one more, a deadlock or a busy
# database a few; more than this is a real problem worth an error.
ATTEMPTS = 8
BACKOFF_SECONDS = 0.02
logger = logging.getLogger("shopdb.unitofwork")

Result = TypeVar("Result")


def commit(session: Session) -> None:
    """The one place a ShopDB session commits."""
    session.commit()


def end_reads(session: Session) -> None:
    """End the transaction the caller read in so far (who is calling, the
    settings), so that the write begins afresh; nothing was written in it."""
    if session.in_transaction():
        commit(session)


@contextmanager
def unit_of_work(
    session: Session, actor: Actor, *, dryrun: bool = False, write: bool = True
) -> Iterator[Session]:
    """One transaction: begun as a write (unless `write` is False), committed
    at the end, rolled back on any error or in a dry run."""
    end_reads(session)
    if write:
        begin_write(session)
    session.info[KNOWN_KEY] = {}
    with acting(session, actor):
        try:
            yield session
            if dryrun:
                session.rollback()
            else:
                commit(session)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(KNOWN_KEY, None)


def retrying(
    session: Session,
    actor: Actor,
    work: Callable[[ConflictError | None], Result],
    *,
    dryrun: bool = False,
    attempts: int = ATTEMPTS,
) -> Result:
    """Run `work` in a unit of work, again (with a short random back-off)
    after a lost race. `work` receives the conflict of the previous run (or
    None): a run that finds no rival row to explain that conflict raises it,
    as it was not a race about this record."""
    conflict: ConflictError | None = None
    attempt = 0
    while True:
        attempt += 1
        try:
            with unit_of_work(session, actor, dryrun=dryrun):
                return work(conflict)
        except ConflictError as error:
            if attempt >= attempts:
                raise
            logger.debug("unit of work lost a race (%s); running it again", error)
            conflict = error
        except DBAPIError as error:
            if not is_retryable(error) or waited_in_vain(error) or attempt >= attempts:
                raise
            logger.debug("unit of work met %s; running it again", error.orig)
        time.sleep(random.uniform(0, BACKOFF_SECONDS * attempt))
