"""`shopdb backup` and `shopdb restore`: a whole site to one archive and back,
on any supported database (see shopdb.services.archive)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from shopdb.cli.support import FriendlyCommand, transaction
from shopdb.database import describe_url, get_database
from shopdb.errors import ShopDBError
from shopdb.models import SearchEntry
from shopdb.services import migrations
from shopdb.services.archive import (
    ArchiveReader,
    BackupReport,
    default_backup_path,
    restore_archive,
    write_backup,
)
from shopdb.services.audit import audit_log


class ProgressBar:
    """A click progress bar whose length is known only once work starts."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def start(self, total: int) -> None:
        self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
        self.bar.__enter__()

    def update(self, count: int) -> None:
        if self.bar is not None and count:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressBar]:
    bar = ProgressBar(label)
    try:
        yield bar
    finally:
        bar.close()


def instance_folder() -> Path:
    return Path(current_app.config["SHOPDB_INSTANCE_PATH"])


def take_backup(target: Path | None) -> BackupReport:
    """Write a backup of the current site (default: instance/backups/shopdb-<time>.zip)."""
    engine = get_database().engine
    instance = instance_folder()
    target = target or default_backup_path(instance)
    with progress_bar("Backup") as bar:
        return write_backup(engine, instance, target, bar.update, bar.start)


@click.command("backup", cls=FriendlyCommand)
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path | None) -> None:
    """Write the whole site (every table, the instance files) to FILE, a zip
    archive any ShopDB database can be restored from. Default:
    <instance>/backups/shopdb-<date>-<time>.zip. The site keeps working meanwhile."""
    report = take_backup(file)
    click.echo(report.summary())


@click.command("restore", cls=FriendlyCommand)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Remove what the target holds first (asks).")
@click.option("--yes", is_flag=True, help="With --replace: do not ask.")
@with_appcontext
def restore_command(file: Path, replace: bool, yes: bool) -> None:
    """Restore the site in FILE into this database and instance folder.

    The target must be empty unless --replace is given. The schema is created
    at the archive's revisions, every row loaded with its id and checked,
    then upgraded to this ShopDB's revisions. Restart ShopDB afterwards.
    """
    engine = get_database().engine
    migrations.prepare_sqlite_folder(engine, instance_folder())
    where = describe_url(engine.url)

    def confirm(description: str) -> None:
        if yes:
            click.echo(f"Removing {description} from {where}.")
            return
        if not click.confirm(
            f"The target {where} holds {description}. Remove all of it and restore {file}?"
        ):
            raise ShopDBError("Nothing was restored; the target is unchanged.")

    with ArchiveReader(file) as reader, progress_bar("Restore") as bar:
        bar.start(2 * reader.manifest.total_rows)
        report = restore_archive(
            engine,
            instance_folder(),
            reader,
            migrations.current_plan(),
            replace,
            confirm,
            bar.update,
        )
    with transaction(check_schema=False) as session:
        audit_log(
            session,
            "restore",
            "database",
            message=report.summary() + (f" Replaced {report.replaced}." if report.replaced else ""),
        )
        # An archive made before the search index (core 0005) brings none;
        # this process does not know the restored site's plugins to build it.
        unindexed = session.scalar(select(SearchEntry.searchentryid).limit(1)) is None
    click.echo(report.summary())
    if unindexed:
        click.echo("The archive has no search index: run 'shopdb search rebuild' to build it.")
    click.echo("Restart ShopDB (the server processes) to serve the restored site.")
