"""`shopdb printers sync-zabbix`: supply levels and status from Zabbix.

Where the server is: SHOPDB_ZABBIX_URL and SHOPDB_ZABBIX_TOKEN in the
environment, else the settings plugin.printers.zabbix.url and
plugin.printers.zabbix.token (the environment is the place for the token:
settings are readable by admins through the API)."""

from __future__ import annotations

import os
from collections import Counter

import click

from shopdb.api import cli_actor, get_session, get_setting, plugin_key

from . import zabbix
from .resources import PLUGIN

URL_VARIABLE = "SHOPDB_ZABBIX_URL"
TOKEN_VARIABLE = "SHOPDB_ZABBIX_TOKEN"
TIMEOUT_VARIABLE = "SHOPDB_ZABBIX_TIMEOUT"
URL_SETTING = "zabbix.url"
TOKEN_SETTING = "zabbix.token"


def configured(name: str, variable: str, setting: str) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        stored = get_setting(get_session(), plugin_key(PLUGIN, setting), "")
        value = stored.strip() if isinstance(stored, str) else ""
    if not value:
        raise click.ClickException(
            f"No Zabbix {name}: set {variable} (or the setting {plugin_key(PLUGIN, setting)})."
        )
    return value


def timeout() -> int:
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return zabbix.DEFAULT_TIMEOUT
    if not text.isdigit() or int(text) < 1:
        raise click.ClickException(f"{TIMEOUT_VARIABLE} must be whole seconds, not {text!r}.")
    return int(text)


def connect() -> zabbix.ZabbixConnection:
    url = configured("API url", URL_VARIABLE, URL_SETTING)
    token = configured("API token", TOKEN_VARIABLE, TOKEN_SETTING)
    try:
        return zabbix.ZabbixConnection(url, token, timeout())
    except zabbix.ZabbixError as error:
        raise click.ClickException(str(error)) from None


def summary(outcomes: list[zabbix.Outcome]) -> str:
    counts = Counter(outcome.result for outcome in outcomes)
    return ", ".join(f"{count} {result}" for result, count in sorted(counts.items())) or "nothing"


@click.command("sync-zabbix")
@click.option(
    "--create-from-group",
    "group",
    metavar="GROUP",
    help="First create a printer for each host of this Zabbix host group that ShopDB "
    "does not know yet.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --create-from-group: only report which printers would be created.",
)
def sync_zabbix(group: str | None, dry_run: bool) -> None:
    """Read supply levels and status of every active printer from Zabbix and
    store what changed; one line per printer, then a summary. Exits 1 when
    the server failed (what was synced before stays)."""
    if dry_run and not group:
        raise click.UsageError("--dry-run goes with --create-from-group GROUP.")
    connection = connect()
    session = get_session()
    actor = cli_actor()

    def report(outcome: zabbix.Outcome) -> None:
        click.echo(f"  {outcome.line()}")

    if group:
        click.echo(f"Hosts of the Zabbix group {group!r}{' (dry run)' if dry_run else ''}:")
        try:
            created = zabbix.create_from_group(
                session, connection, group, dry_run=dry_run, actor=actor, progress=report
            )
        except (zabbix.ZabbixError, zabbix.HostError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Group {group!r}: {summary(created)}.")
        if dry_run:
            return
    click.echo(f"Syncing printers with {connection.url}:")
    outcomes = zabbix.sync_printers(session, connection, progress=report, actor=actor)
    click.echo(f"Printers: {summary(outcomes)}.")
    if any(outcome.result == zabbix.FAILED for outcome in outcomes):
        raise SystemExit(1)


COMMANDS = [sync_zabbix]
