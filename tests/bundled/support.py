"""A site with one bundled plugin installed the way a site installs it
(`db upgrade`, `seed`, `plugin install <name>`, then a restart, since plugins
load when ShopDB starts), shared by the tests of that plugin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import shopdb.bundled
from shopdb.app import create_app
from shopdb.database import get_database
from shopdb.testing.clients import Caller, make_callers
from shopdb.testing.databases import app_config, empty_database
from tests.collectors.conftest import SHARED_KEY, run
from tests.plugins.conftest import plugins_forgotten


@dataclass
class PluginSite:
    """The installed site: `app` serves the API and the plugin's collector
    (shared key SHARED_KEY); `callers` sign in as each role (None: anonymous)."""

    plugin: str
    app: Flask
    callers: dict[str | None, Caller]

    @property
    def editor(self) -> Caller:
        return self.callers["editor"]

    @property
    def admin(self) -> Caller:
        return self.callers["admin"]

    def push(self, body: Any):
        return self.app.test_client().post(
            f"/api/collector/{self.plugin}", json=body, headers={"X-API-Key": SHARED_KEY}
        )

    def pushed(self, body: Any) -> dict[str, Any]:
        response = self.push(body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]


@contextmanager
def installed_site(
    plugin: str,
    tmp_path_factory: pytest.TempPathFactory,
    kind: type[PluginSite] = PluginSite,
    also: tuple[str, ...] = (),
) -> Iterator[PluginSite]:
    """An empty database (SQLite, or the server SHOPDB_TEST_DATABASE_URL names)
    with `plugin` installed (and the plugins named in `also`: the demo adds
    assets only of the types installed plugins own), and an app started on
    it; forgotten afterwards."""
    folder = tmp_path_factory.mktemp(plugin)
    apps: list[Flask] = []
    with (
        plugins_forgotten(Path(shopdb.bundled.__file__).parent),  # with its dependencies
        empty_database(folder) as url,
    ):
        try:
            first = create_app(app_config(url, folder))
            apps.append(first)
            for args in (("db", "upgrade"), ("seed",), ("plugin", "install", plugin, *also)):
                run(first, *args)
            app = create_app(app_config(url, folder, COLLECTOR_API_KEY=SHARED_KEY))
            apps.append(app)
            yield kind(plugin, app, make_callers(app))
        finally:
            for each in apps:
                get_database(each).dispose()
