"""A site with the bundled computers plugin installed the way a site installs
it (`db upgrade`, `seed`, `plugin install computers`), shared by a module's
tests; each test uses hostnames and MAC addresses of its own."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import shopdb.bundled
from shopdb.app import create_app
from shopdb.database import get_database
from tests.collectors.conftest import SHARED_KEY, run
from tests.conftest import app_config, empty_database
from tests.harness.clients import Caller, make_callers
from tests.plugins.conftest import plugins_forgotten

PLUGIN = "computers"
FOLDER = Path(shopdb.bundled.__file__).parent / PLUGIN
COUNTER = itertools.count(1)


def hostname(prefix: str = "PC") -> str:
    """A hostname no other test uses, upper-case (stored lower-case)."""
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def mac() -> str:
    """A locally administered MAC address no other test uses."""
    digits = f"06{uuid.uuid4().hex[:10]}"
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


@dataclass
class Site:
    """The installed site: `app` serves the API and the computers collector
    (shared key `SHARED_KEY`); `callers` sign in as each role."""

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
            f"/api/collector/{PLUGIN}", json=body, headers={"X-API-Key": SHARED_KEY}
        )

    def pushed(self, body: Any) -> dict[str, Any]:
        response = self.push(body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp(PLUGIN)
    apps: list[Flask] = []
    with plugins_forgotten(FOLDER), empty_database(folder) as url:
        try:
            first = create_app(app_config(url, folder))
            apps.append(first)
            for args in (("db", "upgrade"), ("seed",), ("plugin", "install", PLUGIN)):
                run(first, *args)
            app = create_app(app_config(url, folder, COLLECTOR_API_KEY=SHARED_KEY))
            apps.append(app)
            yield Site(app, make_callers(app))
        finally:
            for each in apps:
                get_database(each).dispose()
