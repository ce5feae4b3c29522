"""A site with the device collector plugin installed (and a plugin without a
collector), shared by a module's tests: each test pushes hostnames of its
own. Installing goes through `shopdb plugin install`, as on a real site."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from shopdb.app import create_app
from shopdb.console import cli
from shopdb.database import get_database, get_session
from shopdb.models import AuditLog
from shopdb.plugins.runtime import current_runtime
from shopdb.testing.databases import app_config, empty_database
from tests.collectors.plugin import write_device_plugin
from tests.plugins.conftest import plugins_forgotten

PLUGIN_KEY = "plugin-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SHARED_KEY = "shared-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def run(app: Flask, *args: str):
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return result


def hostname(prefix: str = "PC") -> str:
    """A hostname no other test pushes, in upper case (the collector folds it)."""
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


@dataclass
class Site:
    """The installed site: `app` serves the device plugin's collector with a
    key of its own (`PLUGIN_KEY`) and the shared one (`SHARED_KEY`)."""

    name: str
    plain: str
    app: Flask
    start: Callable[..., Flask]

    @property
    def path(self) -> str:
        return f"/api/collector/{self.name}"

    @property
    def keys(self) -> dict[str, str]:
        return {
            f"COLLECTOR_API_KEY_{self.name.upper()}": PLUGIN_KEY,
            "COLLECTOR_API_KEY": SHARED_KEY,
        }

    def push(
        self,
        body: Any,
        *,
        key: str | None = PLUGIN_KEY,
        dryrun: bool = False,
        app: Flask | None = None,
        headers: dict[str, str] | None = None,
    ):
        sent = {"X-API-Key": key} if key else {}
        sent.update(headers or {})
        url = self.path + ("?dryrun=true" if dryrun else "")
        return (app or self.app).test_client().post(url, json=body, headers=sent)

    def pushed(self, body: Any, **options: Any) -> dict[str, Any]:
        """The reply data of a push that must succeed."""
        response = self.push(body, **options)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]

    def audit(self, assetid: int) -> list[tuple[str, str, str]]:
        """(entity type, action, who) of the asset's audit entries, oldest first."""
        with self.app.app_context():
            rows = get_session().scalars(
                select(AuditLog)
                .where(
                    AuditLog.entitytype.in_(("assets", f"{self.name}devices")),
                    AuditLog.entityid == str(assetid),
                )
                .order_by(AuditLog.auditlogid)
            )
            return [(row.entitytype, row.action, row.username) for row in rows]

    def count(self, hostname: str) -> int:
        """Rows holding this hostname (as stored: folded)."""
        model = self.model
        with self.app.app_context():
            return get_session().scalar(
                select(func.count()).select_from(model).where(model.hostname == hostname)
            )

    @property
    def model(self) -> Any:
        (model,) = current_runtime(self.app).get(self.name).parts.models
        return model


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("collectors")
    plugins = folder / "plugins"
    plugins.mkdir()
    apps: list[Flask] = []

    with plugins_forgotten(folder), empty_database(folder) as url:

        def start(**extra: Any) -> Flask:
            config = app_config(url, folder, SHOPDB_PLUGIN_PATHS=[str(plugins)], **extra)
            app = create_app(config)
            apps.append(app)
            return app

        try:
            name = write_device_plugin(plugins)
            plain = write_device_plugin(plugins, schema="None")
            first = start()
            run(first, "db", "upgrade")
            run(first, "seed")
            run(first, "plugin", "install", name)
            run(first, "plugin", "install", plain)
            site = Site(name, plain, first, start)
            site.app = start(**site.keys)
            yield site
        finally:
            for app in apps:
                get_database(app).dispose()


@pytest.fixture(autouse=True)
def forget_test_plugins(tmp_path: Path) -> Iterator[None]:
    """Plugins a test loads itself are forgotten after it."""
    with plugins_forgotten(tmp_path):
        yield
