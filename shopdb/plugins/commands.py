"""`shopdb plugin ...`: see, install, remove, switch, migrate and create plugins."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

import click

from shopdb.cli.support import FriendlyGroup, system_user, transaction
from shopdb.config import parse_paths
from shopdb.database import get_database
from shopdb.plugins import scaffold
from shopdb.plugins.lifecycle import Outcome, PluginManager
from shopdb.plugins.reports import STATUSES, plugin_reports
from shopdb.plugins.runtime import current_runtime


@click.group("plugin", cls=FriendlyGroup)
def plugin_group() -> None:
    """List, install, uninstall, enable, disable, migrate and create plugins.

    Changes take effect at the next start of the ShopDB server.
    """


def _manage(step: Callable[[PluginManager], Outcome], check_schema: bool = True) -> None:
    with transaction(check_schema=check_schema) as session:
        manager = PluginManager(current_runtime(), get_database().engine, session)
        outcome = step(manager)
    for line in outcome.lines:
        click.echo(line)


@plugin_group.command("list")
def list_plugins() -> None:
    """Every plugin found or installed, with its state and last error."""
    reports = plugin_reports(current_runtime())
    if not reports:
        click.echo("No plugins found and none installed.")
        return
    rows = [("NAME", "VERSION", "ORIGIN", "INSTALLED", "ENABLED", "STATUS")]
    rows += [
        (
            report.name,
            report.version or "-",
            report.origin or "-",
            "yes" if report.isinstalled else "no",
            "yes" if report.isenabled else "no",
            report.status,
        )
        for report in reports
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for report in reports:
        if report.error:
            click.echo(f"\n{report.name}: {report.error}")
    runtime = current_runtime()
    if runtime.state_unknown:
        click.echo(f"\nThe installed state could not be read: {runtime.state_unknown}")


list_plugins.help = (
    (list_plugins.help or "")
    + "\n\nStatuses: "
    + "; ".join(f"{name}: {meaning}" for name, meaning in STATUSES.items())
)


@plugin_group.command("install")
@click.argument("names", metavar="NAME...", nargs=-1, required=True)
def install(names: tuple[str, ...]) -> None:
    """Install each NAME (and what it depends on): run its migrations, seed its
    data, enable it. Each plugin is installed on its own: a failure stops there,
    and the plugins before it stay installed."""
    for name in names:
        _manage(functools.partial(PluginManager.install, name=name), check_schema=False)


@plugin_group.command("uninstall")
@click.argument("name")
@click.option("--drop-data", is_flag=True, help="Also drop the plugin's tables and their data.")
@click.option("--yes", is_flag=True, help="Do not ask before dropping data.")
def uninstall(name: str, drop_data: bool, yes: bool) -> None:
    """Uninstall NAME. Its tables and data stay unless --drop-data is given."""
    if drop_data and not yes:
        click.confirm(
            f"This drops every table of the plugin {name!r} and all data in them. Continue?",
            abort=True,
        )
    # No schema check: a plugin whose files are gone leaves revisions nobody
    # knows, and uninstalling it is how a site gets out of that.
    _manage(lambda manager: manager.uninstall(name, drop_data), check_schema=False)


@plugin_group.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Enable the installed plugin NAME."""
    _manage(lambda manager: manager.enable(name))


@plugin_group.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable NAME; its data stays and it can be enabled again."""
    _manage(lambda manager: manager.disable(name))


@plugin_group.command("migrate")
@click.argument("name")
def migrate(name: str) -> None:
    """Bring the installed plugin NAME's tables to its newest schema revision."""
    _manage(lambda manager: manager.migrate(name), check_schema=False)


@plugin_group.command("upgrade-all")
def upgrade_all() -> None:
    """Bring the core and every installed plugin to the newest schema revision."""
    _manage(lambda manager: manager.upgrade_all(), check_schema=False)


# No app context: writing files needs no database, and the plugin directory
# it writes to may not exist yet (the app would refuse to start over that).
@plugin_group.command("new", with_appcontext=False)
@click.argument("name")
@click.option("--description", required=True, help="One line: what the plugin adds.")
@click.option("--author", default=None, help="Default: the operating-system user.")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write NAME/. Default: the first SHOPDB_PLUGIN_PATHS entry, else ./plugins.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing folder NAME/ there.")
def new(
    name: str, description: str, author: str | None, directory: Path | None, overwrite: bool
) -> None:
    """Write a working plugin NAME: manifest, model, resource, migration and tests."""
    if not description.strip():
        raise click.BadParameter("describe the plugin in one line.", param_hint="--description")
    paths = parse_paths(os.environ.get("SHOPDB_PLUGIN_PATHS", ""))
    draft = scaffold.PluginDraft(
        name=name,
        description=" ".join(description.split()),
        author=(author or system_user()).strip() or "unknown",
        directory=scaffold.target_directory(directory, paths),
    )
    scaffold.check_name(name, scaffold.discover_for_new(paths), draft.folder)
    written = scaffold.write_plugin(draft, overwrite)
    for line in scaffold.next_steps(draft, written, paths):
        click.echo(line)
