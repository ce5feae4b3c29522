"""`shopdb upgrade`: checks, backs up, upgrades core and plugins, seeds, reports;
a failure names the backup."""

from __future__ import annotations

from pathlib import Path

import pytest

import shopdb.bundled
from shopdb.errors import ShopDBError
from shopdb.plugins.lifecycle import PluginManager
from shopdb.services import migrations
from tests.plugins.conftest import plugins_forgotten
from tests.services.archive_support import invoke, ok

pytestmark = pytest.mark.database

HEAD = migrations.script_directory().get_revision("core@head")
BUNDLED = Path(shopdb.bundled.__file__).parent


def backups(app) -> list[Path]:
    return sorted((Path(app.config["SHOPDB_INSTANCE_PATH"]) / "backups").glob("*.zip"))


@pytest.mark.skipif(HEAD.down_revision is None, reason="needs two core revisions")
def test_upgrade_backs_up_then_brings_everything_to_head(make_app, database_url):
    with plugins_forgotten(BUNDLED):
        first = make_app(database_url)
        ok(first, "db", "upgrade")
        ok(first, "seed")
        ok(first, "plugin", "install", "computers")
        ok(first, "db", "downgrade", HEAD.down_revision, "--yes")
        app = make_app(database_url)
        result = ok(app, "upgrade")
    assert "Wrote" in result.output
    assert len(backups(app)) == 1
    assert "computers 0.1.0 was already installed" in result.output
    assert "The site is upgraded" in result.output
    assert "current schema revision" in result.output


def test_upgrade_without_backup_and_when_current(empty_app):
    ok(empty_app, "db", "upgrade")
    result = ok(empty_app, "upgrade", "--no-backup")
    assert backups(empty_app) == []
    assert "The site is upgraded" in result.output


def test_upgrade_of_an_empty_database_points_to_bootstrap(empty_app):
    result = invoke(empty_app, "upgrade")
    assert result.exit_code == 1
    # SQLite: the file is not even there; a server: an empty database.
    assert "There is no database at" in result.output or (
        "no ShopDB schema yet" in result.output and "shopdb bootstrap" in result.output
    )


def test_a_failed_upgrade_names_the_backup(empty_app, monkeypatch):
    ok(empty_app, "db", "upgrade")
    ok(empty_app, "seed")

    def fail(_manager):
        raise ShopDBError("The upgrade failed (disk on fire).")

    monkeypatch.setattr(PluginManager, "upgrade_all", fail)
    result = invoke(empty_app, "upgrade")
    assert result.exit_code == 1
    [backup] = backups(empty_app)
    assert "disk on fire" in result.output
    assert f"The backup taken before the upgrade is {backup}" in result.output
    assert f"shopdb restore {backup} --replace" in result.output
