"""A demo site with every bundled plugin moves SQLite -> MariaDB -> PostgreSQL
-> SQLite by backup and restore, and comes back equal: every table, every
row, every file, and the same API answers.

Needs both servers at once, so it runs where SHOPDB_TEST_DATABASE_URL is the
PostgreSQL server (the CI stage test-postgresql) and finds MariaDB through
SHOPDB_TEST_MARIADB_URL or the databases.env that .ci/databases.sh writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

import shopdb.bundled
from shopdb.testing.clients import make_callers
from shopdb.testing.databases import SERVER_URL, server_database
from tests.plugins.conftest import plugins_forgotten
from tests.services.archive_support import Content, content, ok, site_app

pytestmark = [pytest.mark.slow, pytest.mark.database]

BUNDLED = Path(shopdb.bundled.__file__).parent
PLUGINS = sorted(
    folder.name for folder in BUNDLED.iterdir() if (folder / "manifest.json").is_file()
)
# Answers that depend on the moment or the process, not on the data.
UNSTABLE = ("/api/health", "/api/openapi.json", "/api/docs")


def server_urls() -> dict[str, str]:
    urls = {
        "mariadb": os.environ.get("SHOPDB_TEST_MARIADB_URL", ""),
        "postgresql": os.environ.get("SHOPDB_TEST_POSTGRESQL_URL", ""),
    }
    env_file = Path(os.environ.get("SHOPDB_CI_WORKDIR", "/tmp/shopdb-ci")) / "databases.env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            name = key.removeprefix("SHOPDB_TEST_").removesuffix("_URL").lower()
            if name in urls and not urls[name]:
                urls[name] = value.strip()
    return urls


@pytest.fixture
def servers() -> dict[str, str]:
    if not SERVER_URL or make_url(SERVER_URL).get_backend_name() != "postgresql":
        pytest.skip("runs once, with SHOPDB_TEST_DATABASE_URL naming the PostgreSQL server")
    urls = server_urls()
    if not all(urls.values()):
        pytest.fail(f"both servers are needed; found {urls}")
    return urls


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as stack, plugins_forgotten(BUNDLED):
        yield stack


def list_urls(app: Flask) -> list[str]:
    """Every GET endpoint under /api/ that takes no path argument."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and "GET" in rule.methods
        and not rule.arguments
        and not rule.rule.startswith(UNSTABLE)
    )


def answers(app: Flask, headers: dict[str, str]) -> dict[str, object]:
    client = app.test_client()
    replies: dict[str, object] = {}
    urls = list_urls(app)
    for url in urls:
        response = client.get(f"{url}?perpage=100", headers=headers)
        replies[url] = (response.status_code, response.get_json(silent=True))
    for url in ("/api/assets/1", "/api/assets/2/position", "/api/search?q=mill"):
        response = client.get(url, headers=headers)
        replies[url] = (response.status_code, response.get_json(silent=True))
    return replies


def test_site_moves_through_every_database_and_comes_back_equal(stack, servers, tmp_path):
    first = stack.enter_context(
        site_app(f"sqlite:///{tmp_path / 'a' / 'shopdb.db'}", tmp_path / "a")
    )
    ok(first, "db", "upgrade")
    ok(first, "seed")
    ok(first, "plugin", "install", *PLUGINS)
    first = stack.enter_context(site_app(first.config["DATABASE_URL"], tmp_path / "a"))
    ok(first, "seed", "--demo")
    admin = make_callers(first)["admin"].headers
    original = content(first)
    assert {f"floorplans/{name}" for name in ("plant-1.svg",)} <= set(original.files)
    assert all(original.tables[table] for table in ("assets", "locations", "computers"))
    expected = answers(first, admin)
    assert len(expected) > 10

    archive = tmp_path / "a.zip"
    ok(first, "backup", str(archive))
    hops = [
        ("mariadb", make_url(servers["mariadb"])),
        ("postgresql", make_url(servers["postgresql"])),
        ("sqlite", None),
    ]
    for number, (name, base) in enumerate(hops, start=1):
        folder = tmp_path / f"hop{number}-{name}"
        if base is None:
            url = f"sqlite:///{folder / 'shopdb.db'}"
        else:
            url = stack.enter_context(server_database(base)).render_as_string(hide_password=False)
        landed = stack.enter_context(site_app(url, folder))
        ok(landed, "restore", str(archive))
        # Restart, as the command says: the plugins load from the restored state.
        landed = stack.enter_context(site_app(url, folder))
        moved: Content = content(landed).without_restores()
        assert moved.files == original.files, name
        for table, rows in original.tables.items():
            assert moved.tables[table] == rows, f"{table} differs after the move to {name}"
        assert set(moved.tables) == set(original.tables)
        archive = tmp_path / f"hop{number}.zip"
        ok(landed, "backup", str(archive))

    final = answers(landed, admin)
    assert final.keys() == expected.keys()
    _status, audit = final["/api/auditlogs"]
    restores = [entry for entry in audit["data"] if entry["action"] == "restore"]
    assert len(restores) == len(hops)
    audit["data"] = [entry for entry in audit["data"] if entry["action"] != "restore"]
    audit["meta"]["pagination"]["total"] -= len(hops)
    for url, reply in expected.items():
        assert final[url] == reply, url
