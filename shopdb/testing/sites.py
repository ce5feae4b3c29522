"""A throw-away site with one plugin installed through the real commands, as
an admin installs it: `shopdb db upgrade`, `shopdb seed`, `shopdb plugin
install <name>`, then a (re)start, since plugins load when ShopDB starts.

The contract suite runs every plugin it finds on such a site; a plugin's own
tests (the scaffolder writes them) build one for themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import inspect

from shopdb.app import create_app
from shopdb.config import parse_paths
from shopdb.console import cli
from shopdb.database import get_database
from shopdb.testing.databases import app_config, delete_all_rows

# The plugin directories of the test run, read as the app reads them.
PLUGIN_PATHS = parse_paths(os.environ.get("SHOPDB_PLUGIN_PATHS", ""))


def invoke(app: Flask, *args: str, input: str | None = None) -> Result:
    """`shopdb ARGS...` on `app`, in this process."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)


def table_names(app: Flask) -> set[str]:
    return set(inspect(get_database(app).engine).get_table_names())


def stop(app: Flask) -> None:
    get_database(app).dispose()


class PluginSite:
    """A database with the core schema, its reference data and one plugin
    installed (with what it needs) through the real commands; `start()` is a
    (re)start of ShopDB on it. `plugin_paths` are the directories searched for
    plugins (default: SHOPDB_PLUGIN_PATHS)."""

    def __init__(
        self, name: str, url: str, instance: Path, plugin_paths: list[str] | None = None
    ) -> None:
        self.name = name
        self.url = url
        self.instance = instance
        self.plugin_paths = PLUGIN_PATHS if plugin_paths is None else plugin_paths
        self.added: set[str] = set()  # the tables `plugin install` created

    def start(self) -> Flask:
        return create_app(
            app_config(self.url, self.instance, SHOPDB_PLUGIN_PATHS=self.plugin_paths)
        )

    def run(self, app: Flask, *args: str, input: str | None = None) -> str:
        """`shopdb ARGS...` on the site; its output, or an AssertionError naming it."""
        result = invoke(app, *args, input=input)
        if result.exit_code != 0:
            raise AssertionError(
                f"'shopdb {' '.join(args)}' failed on {self.url.split('://')[0]} for the "
                f"plugin {self.name!r}:\n{result.output}"
            )
        return result.output

    def install(self) -> None:
        app = self.start()
        try:
            self.run(app, "db", "upgrade")
            self.run(app, "seed")
            before = table_names(app)
            self.run(app, "plugin", "install", self.name)
            self.added = table_names(app) - before
        finally:
            stop(app)

    def reset(self, app: Flask) -> None:
        """Empty every table, then seed and install again: the harness's tests
        expect what a fresh install leaves, nothing more."""
        delete_all_rows(get_database(app).engine)
        self.run(app, "seed")
        self.run(app, "plugin", "install", self.name)

    @contextmanager
    def serving(self) -> Iterator[Flask]:
        """A freshly started app for one test; afterwards the site is emptied
        and installed again, and the app stopped. The `app` fixture of a
        `ResourceTests` class on this site."""
        started = self.start()
        try:
            yield started
            self.reset(started)
        finally:
            stop(started)
