"""Commands for the site as a whole, across the core and its plugins:
`shopdb upgrade` after installing a new version, and `shopdb bootstrap`,
the work a container's entrypoint does at every start."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from shopdb.cli.backup import take_backup
from shopdb.cli.support import FriendlyCommand, transaction
from shopdb.database import describe_url, get_database
from shopdb.errors import DatabaseUnavailableError, ShopDBError
from shopdb.models import ADMIN, AuditLog, Role, User
from shopdb.plugins.commands import _manage
from shopdb.plugins.lifecycle import PluginManager
from shopdb.plugins.runtime import current_runtime
from shopdb.services import migrations, users
from shopdb.services.audit import audit_log
from shopdb.services.seeds import seed_reference_data

# The audit entry that records the first admin (created or found): once it
# exists, bootstrap never creates an admin again. The audit log, not a
# setting: nobody edits it, and a restore carries it along.
BOOTSTRAP_ACTION = "bootstrap"


def seed_everything() -> None:
    """Reference data, then each installed plugin's install step (both add
    only what is missing)."""
    with transaction() as session:
        report = seed_reference_data(session)
        if report.changed:
            audit_log(session, "seed", "reference", message=report.summary())
    click.echo(report.summary())
    installed = [name for name, state in current_runtime().states.items() if state.isinstalled]
    for name in sorted(installed):
        _manage(functools.partial(PluginManager.install, name=name), check_schema=False)


# shopdb upgrade ------------------------------------------------------------------


@click.command("upgrade", cls=FriendlyCommand)
@click.option("--no-backup", is_flag=True, help="Do not take a backup first.")
@with_appcontext
def upgrade_command(no_backup: bool) -> None:
    """Upgrade the site after installing a new ShopDB or plugin version.

    Checks the schema, takes a backup (into <instance>/backups/ unless
    --no-backup), brings the core and every installed plugin to their newest
    schema revision, runs their seeds (reference data, each plugin's install
    step; both add only what is missing) and reports.
    """
    engine = get_database().engine
    status = migrations.schema_status(engine)
    if status.state in (migrations.SchemaState.NEWER, migrations.SchemaState.PLUGIN_MISSING):
        raise ShopDBError(status.describe(engine.url))
    if status.state is migrations.SchemaState.EMPTY:
        raise ShopDBError(
            f"The database {describe_url(engine.url)} has no ShopDB schema yet, so there is "
            "nothing to upgrade; set up a new site with 'shopdb bootstrap' (or 'shopdb db "
            "upgrade' and 'shopdb seed'), or restore one with 'shopdb restore FILE'."
        )
    backup = None
    if not no_backup:
        backup = take_backup(None)
        click.echo(backup.summary())
    try:
        _manage(lambda manager: manager.upgrade_all(), check_schema=False)
        seed_everything()
    except ShopDBError as error:
        if backup is None:
            raise
        raise ShopDBError(
            f"{error} The backup taken before the upgrade is {backup.path}; to go back, "
            f"install the previous version and run 'shopdb restore {backup.path} --replace'."
        ) from None
    click.echo(f"The site is upgraded: {migrations.schema_status(engine).describe(engine.url)}")


# shopdb bootstrap ----------------------------------------------------------------


def wait_for_database(seconds: float) -> None:
    """Until the database answers, or `seconds` have passed (a container's
    database starts beside it and may not be up yet)."""
    engine = get_database().engine
    deadline = time.monotonic() + seconds
    while True:
        try:
            with migrations.connected(engine):
                return
        except DatabaseUnavailableError as error:
            if time.monotonic() >= deadline:
                raise ShopDBError(
                    f"Gave up waiting {seconds:g} s for the database: {error}"
                ) from None
            click.echo(f"Waiting for the database {describe_url(engine.url)} ...")
            time.sleep(min(2.0, max(0.1, deadline - time.monotonic())))


def admin_password() -> str | None:
    """SHOPDB_ADMIN_PASSWORD_FILE (a secrets file) or SHOPDB_ADMIN_PASSWORD."""
    path = os.environ.get("SHOPDB_ADMIN_PASSWORD_FILE", "").strip()
    if path:
        try:
            password = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ShopDBError(
                f"SHOPDB_ADMIN_PASSWORD_FILE names {path}, which cannot be read ({error.strerror})."
            ) from None
        if not password:
            raise ShopDBError(f"SHOPDB_ADMIN_PASSWORD_FILE names {path}, which is empty.")
        return password
    return os.environ.get("SHOPDB_ADMIN_PASSWORD") or None


def create_first_admin() -> None:
    """Create the admin SHOPDB_ADMIN_USERNAME names, once: an audit entry
    remembers it, so a renamed, disabled or deleted admin is never created
    again by a later start."""
    username = os.environ.get("SHOPDB_ADMIN_USERNAME", "").strip()
    with transaction() as session:
        done = session.scalar(
            select(AuditLog.message).where(AuditLog.action == BOOTSTRAP_ACTION).limit(1)
        )
        if done is not None:
            click.echo(f"The first admin was settled before ({done}); not again.")
            return
        admins = session.scalar(select(User.username).join(Role).where(Role.role == ADMIN))
        if admins is not None:
            audit_log(session, BOOTSTRAP_ACTION, "users", message=f"admin {admins} existed")
            click.echo(f"An admin ({admins}) exists already; no first admin is created.")
            return
        if not username:
            click.echo(
                "No admin exists and SHOPDB_ADMIN_USERNAME is not set; create one with "
                "'shopdb user create NAME --role admin'."
            )
            return
        password = admin_password()
        if password is None:
            raise ShopDBError(
                f"SHOPDB_ADMIN_USERNAME is {username!r} but neither SHOPDB_ADMIN_PASSWORD_FILE "
                "nor SHOPDB_ADMIN_PASSWORD gives its password."
            )
        user = users.create_user(session, username, password, ADMIN)
        audit_log(
            session, BOOTSTRAP_ACTION, "users", user.userid, message=f"created {user.username}"
        )
    click.echo(f"Created the first admin {user.username!r}.")


@click.command("bootstrap", cls=FriendlyCommand)
@click.option(
    "--wait",
    "wait_seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds to wait for the database to answer.",
)
@with_appcontext
def bootstrap_command(wait_seconds: float) -> None:
    """Make the site ready to serve; safe to run at every start.

    Waits for the database, upgrades the schema, seeds reference data,
    installs the plugins SHOPDB_BOOTSTRAP_PLUGINS lists (space or comma
    separated), and creates the first admin from SHOPDB_ADMIN_USERNAME and
    SHOPDB_ADMIN_PASSWORD_FILE (or SHOPDB_ADMIN_PASSWORD), once and never again.
    """
    engine = get_database().engine
    migrations.prepare_sqlite_folder(engine, Path(current_app.config["SHOPDB_INSTANCE_PATH"]))
    wait_for_database(wait_seconds)
    migrations.refuse_newer_schema(engine)
    before = migrations.current_revisions(engine)
    migrations.upgrade_all(engine)
    after = migrations.current_revisions(engine)
    if before != after:
        click.echo(f"Upgraded the schema to {', '.join(sorted(after))}.")
    wanted = os.environ.get("SHOPDB_BOOTSTRAP_PLUGINS", "").replace(",", " ").split()
    for name in wanted:
        _manage(functools.partial(PluginManager.install, name=name), check_schema=False)
    seed_everything()
    create_first_admin()
    click.echo("ShopDB is ready to serve.")


SITE_COMMANDS = (upgrade_command, bootstrap_command)
