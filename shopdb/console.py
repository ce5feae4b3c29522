"""The `shopdb` console command: Flask's CLI around the app factory."""

from __future__ import annotations

from typing import Any

from flask.cli import FlaskGroup, routes_command, shell_command

from shopdb.app import create_app
from shopdb.cli import COMMANDS
from shopdb.plugins.commands import plugin_group


def _build() -> FlaskGroup:
    group = FlaskGroup(
        name="shopdb",
        create_app=create_app,
        add_default_commands=False,
        help="ShopDB: the shop-floor asset database.",
    )
    for command in (*COMMANDS, plugin_group, shell_command, routes_command):
        group.add_command(command)
    return group


cli = _build()


def main(*args: Any) -> None:
    cli.main(*args, prog_name="shopdb")
