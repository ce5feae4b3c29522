"""`shopdb search rebuild`: the search index built again from the records
(ADR 0015), for rows written below the write path: the demo data, a
restore of an archive made before the index existed, a plugin enabled
again after its records changed while it was off, or changed search
declarations (fields, weights)."""

from __future__ import annotations

import time
from collections.abc import Mapping

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopdb.cli.backup import progress_bar
from shopdb.cli.support import FriendlyCommand, FriendlyGroup, transaction
from shopdb.errors import ShopDBError
from shopdb.resources.definition import Resource
from shopdb.resources.searchindex import (
    ENTRIES,
    RESOURCES_KEY,
    indexed_records,
    is_indexed,
    rebuild,
)


def indexed_resources(names: tuple[str, ...] = ()) -> list[Resource]:
    """The registered resources the index holds (those named, or all)."""
    registered: Mapping[str, Resource] = current_app.extensions.get(RESOURCES_KEY, {})
    indexed = {name: resource for name, resource in registered.items() if is_indexed(resource)}
    unknown = [name for name in names if name not in indexed]
    if unknown:
        raise ShopDBError(
            f"Not in the search index: {', '.join(unknown)}; these are: {', '.join(indexed)}."
        )
    return [indexed[name] for name in names] if names else list(indexed.values())


def rebuild_index(session: Session, names: tuple[str, ...] = (), quiet: bool = False) -> int:
    """Rebuild the entries of the named resources (all indexed ones by
    default) in the caller's unit of work; returns the entries written."""
    chosen = indexed_resources(names)
    total = 0
    for resource in chosen:
        key = resource.column(resource.primary_key)
        query = indexed_records(resource, func.count(key))
        total += session.scalar(query) or 0
    quiet = quiet or not total
    start = time.perf_counter()
    with progress_bar("Search index") as bar:
        if not quiet:
            bar.start(total)
        counts = rebuild(session, chosen, progress=bar.update, whole=not names)
    written = sum(counts.values())
    if not quiet:
        seconds = time.perf_counter() - start
        click.echo(
            f"Search index rebuilt: {total} records of {len(counts)} resources, "
            f"{written} entries in {seconds:.1f} s."
        )
    return written


def rebuild_if_empty(session: Session) -> None:
    """Build the index when it holds nothing (just created by the upgrade
    to core revision 0005, or restored from an older archive)."""
    if index_is_empty(session):
        rebuild_index(session)


def index_is_empty(session: Session) -> bool:
    return session.scalar(select(ENTRIES.c.searchentryid).limit(1)) is None


@click.group("search", cls=FriendlyGroup)
def search_group() -> None:
    """The search index that GET /api/search and every list's q read."""


@search_group.command("rebuild", cls=FriendlyCommand)
@click.argument("resources", nargs=-1)
@with_appcontext
def rebuild_command(resources: tuple[str, ...]) -> None:
    """Build the search index again from the records of RESOURCES (default:
    every indexed resource). Safe to run at any time; one transaction."""
    with transaction() as session:
        rebuild_index(session, resources)
