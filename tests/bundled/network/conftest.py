"""One site with the network plugin installed, shared by the package's tests:
`shopdb db upgrade`, `seed` and `plugin install network` on an empty
database (SQLite, or the server SHOPDB_TEST_DATABASE_URL names), then a
restart, as on a real site. Each test uses MAC addresses and asset numbers of
its own, so the tests do not see each other's records."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

import shopdb.bundled
from shopdb.app import create_app
from shopdb.console import cli
from shopdb.database import get_database
from tests.conftest import app_config, empty_database
from tests.harness.clients import Caller, make_callers
from tests.plugins.conftest import plugins_forgotten

NAME = "network"
URL = "/api/networkdevices"
TYPES_URL = "/api/networkdevicetypes"
COLLECTOR_URL = "/api/collector/network"
COLLECTOR_KEY = "network-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PLUGIN_FOLDER = Path(shopdb.bundled.__file__).parent / NAME
_numbers = itertools.count(1)


def number() -> int:
    """Unique within the test run: for asset numbers and MAC addresses."""
    return next(_numbers)


def mac(serial: int, separator: str = ":") -> str:
    """A locally administered MAC (06:...) no demo row uses (those are 02:5d:...)."""
    digits = f"06ab{serial:08x}"
    return separator.join(digits[index : index + 2] for index in range(0, 12, 2))


def run(app: Flask, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return result.output


@dataclass
class Site:
    """The installed site and its callers (None: anonymous; else a role)."""

    app: Flask
    callers: dict[str | None, Caller]

    @property
    def admin(self) -> Caller:
        return self.callers["admin"]

    @property
    def editor(self) -> Caller:
        return self.callers["editor"]

    def type_id(self, name: str) -> int:
        reply = self.admin.get(TYPES_URL, query_string={"networkdevicetype": name}).get_json()
        (row,) = reply["data"]
        return row["networkdevicetypeid"]

    def body(self, **values: Any) -> dict[str, Any]:
        """A valid create body of a switch, unique per call."""
        serial = number()
        return {
            "assetnumber": f"NETTEST-{serial:05d}",
            "name": f"Test switch {serial}",
            "networkdevicetypeid": self.type_id("switch"),
            "macaddress": mac(serial),
            **values,
        }

    def create(self, **values: Any) -> dict[str, Any]:
        response = self.editor.post(URL, json=self.body(**values))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    def push(self, record: Any):
        client = self.app.test_client()
        return client.post(COLLECTOR_URL, json=record, headers={"X-API-Key": COLLECTOR_KEY})

    def pushed(self, record: Any) -> dict[str, Any]:
        response = self.push(record)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("network")
    apps: list[Flask] = []
    with plugins_forgotten(PLUGIN_FOLDER), empty_database(folder) as url:

        def start() -> Flask:
            app = create_app(app_config(url, folder, COLLECTOR_API_KEY_NETWORK=COLLECTOR_KEY))
            apps.append(app)
            return app

        try:
            first = start()
            run(first, "db", "upgrade")
            run(first, "seed")
            run(first, "plugin", "install", NAME)
            app = start()  # plugins load when ShopDB starts
            yield Site(app, make_callers(app))
        finally:
            for app in apps:
                get_database(app).dispose()
