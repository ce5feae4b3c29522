"""The `shopdb` console command: Flask's CLI around the app factory."""

from __future__ import annotations

from collections.abc import Sequence

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from shopdb.app import create_app
from shopdb.cli import COMMANDS
from shopdb.cli.support import one_sentence
from shopdb.plugins.commands import plugin_group
from shopdb.plugins.sitecommands import SITE_COMMANDS


class ShopDBGroup(FlaskGroup):
    """Flask's CLI group; an app that cannot start while a command (a
    plugin's, say) is looked up is one sentence, not a traceback."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        with one_sentence():
            return super().get_command(ctx, cmd_name)


def _build() -> FlaskGroup:
    group = ShopDBGroup(
        name="shopdb",
        create_app=create_app,
        add_default_commands=False,
        help="ShopDB: the shop-floor asset database.",
    )
    for command in (*COMMANDS, plugin_group, *SITE_COMMANDS, shell_command, routes_command):
        group.add_command(command)
    return group


cli = _build()


def main(args: Sequence[str] | None = None) -> None:
    cli.main(args=args, prog_name="shopdb")
