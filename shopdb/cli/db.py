"""`shopdb db`: bring the schema up or down and say where it stands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from shopdb.cli.searchindex import rebuild_if_empty
from shopdb.cli.support import FriendlyGroup, transaction
from shopdb.database import analyze, describe_url, get_database
from shopdb.errors import ShopDBError
from shopdb.services import migrations


@click.group("db", cls=FriendlyGroup)
def db_group() -> None:
    """Create, upgrade, downgrade and check the database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="heads")
def upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest, for core and plugins)."""
    engine = get_database().engine
    migrations.prepare_sqlite_folder(engine, Path(current_app.config["SHOPDB_INSTANCE_PATH"]))
    migrations.refuse_newer_schema(engine)
    before = migrations.current_revisions(engine)
    if revision == "heads":
        migrations.upgrade_all(engine)
    else:
        migrations.upgrade(engine, revision)
    after = migrations.current_revisions(engine)
    where = describe_url(engine.url)
    if revision == "heads":
        with transaction() as session:
            rebuild_if_empty(session)  # the index is new (core 0005) or was never built
    analyze(engine)  # new tables and indexes get planner statistics at once
    if before == after:
        click.echo(f"The database {where} was already at {_names(after)}; nothing to do.")
    else:
        click.echo(f"Upgraded the database {where} from {_names(before)} to {_names(after)}.")


@db_group.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def downgrade(revision: str, yes: bool) -> None:
    """Downgrade the schema to REVISION ('-1' for one step, 'base' for empty).

    '-N' steps back the core history ('core@-N'); a plugin's history steps
    back with '<plugin>@-N'. A downgrade that would drop an installed plugin's
    tables is refused: uninstall the plugin instead. Downgrading drops tables
    and the data in them, so it asks first.
    """
    engine = get_database().engine
    revision = migrations.downgrade_target(engine, revision)
    if not yes:
        click.confirm(
            f"Downgrading {describe_url(engine.url)} to {revision!r} may drop tables and "
            "their data. Continue?",
            abort=True,
        )
    before = migrations.current_revisions(engine)
    migrations.downgrade(engine, revision)
    after = migrations.current_revisions(engine)
    click.echo(
        f"Downgraded the database {describe_url(engine.url)} "
        f"from {_names(before)} to {_names(after)}."
    )


@db_group.command("current")
def current() -> None:
    """Show the schema revision of the database and whether it is current."""
    engine = get_database().engine
    click.echo(migrations.schema_status(engine).describe(engine.url))


@db_group.command("check")
def check() -> None:
    """Fail unless the database is at head and matches the models exactly."""
    engine = get_database().engine
    migrations.require_current_schema(engine)
    differences = migrations.model_differences(engine)
    if differences:
        listed = "; ".join(str(difference) for difference in differences[:10])
        raise ShopDBError(
            f"The models and the migrations disagree in {len(differences)} place(s): {listed}"
        )
    click.echo(f"The database {describe_url(engine.url)} is current and matches the models.")


def _names(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "base (empty)"
