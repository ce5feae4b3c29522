"""`shopdb seed`: reference data every site needs, and optionally a demo site."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from shopdb.cli.searchindex import rebuild_index
from shopdb.cli.support import FriendlyCommand, transaction
from shopdb.errors import ShopDBError
from shopdb.services.audit import audit_log
from shopdb.services.demo import DEMO_STEPS, plugin_seeders, seed_demo_data
from shopdb.services.seeds import seed_reference_data


@click.command("seed", cls=FriendlyCommand)
@click.option("--demo", is_flag=True, help="Also build a demo site with a few hundred assets.")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Create missing reference data; running it again changes nothing."""
    with transaction() as session:
        report = seed_reference_data(session)
        if report.changed:
            audit_log(session, "seed", "reference", message=report.summary())
    click.echo(report.summary())
    if not demo:
        return
    progress = click.progressbar(length=DEMO_STEPS, label="Demo site")
    with transaction() as session, progress as bar:
        demo_report = seed_demo_data(session, progress=bar.update)
        if demo_report.changed:
            audit_log(session, "seed", "demo", message=demo_report.summary())
    click.echo(demo_report.summary().replace("reference data", "demo data"))
    for name, seed in plugin_seeders(current_app):
        with transaction() as session:
            try:
                summary = seed(session)
            except ShopDBError:
                raise
            except Exception as error:
                raise ShopDBError(
                    f"Plugin {name!r}: seed_demo() raised {type(error).__name__}: {error}"
                ) from error
            if summary:
                audit_log(session, "seed", "demo", message=f"{name}: {summary}")
        click.echo(f"{name}: {summary or 'nothing to add.'}")
    with transaction() as session:
        rebuild_index(session)  # the demo rows were written below the write path
