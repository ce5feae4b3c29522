"""Fixtures shared by the whole suite.

Tests run on SQLite by default. Set SHOPDB_TEST_DATABASE_URL to a MySQL/MariaDB
or PostgreSQL URL (a user that may create databases) and run `pytest -m
database` to run every database test against that server instead: each test
that needs an empty database gets a new one, created and dropped around it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from shopdb.app import create_app
from shopdb.database import build_engine, get_database, get_session
from shopdb.models import Base
from shopdb.services import migrations
from shopdb.services.seeds import seed_reference_data

SERVER_URL = os.environ.get("SHOPDB_TEST_DATABASE_URL", "").strip()


# Databases -------------------------------------------------------------------


@contextmanager
def server_database(base: URL) -> Iterator[URL]:
    """A new, empty database on the test server, dropped afterwards."""
    name = f"shopdb_t_{uuid.uuid4().hex[:12]}"
    admin = build_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if base.get_backend_name() == "postgresql":
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            connection.execute(
                text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
    try:
        yield base.set(database=name)
    finally:
        with admin.connect() as connection:
            if base.get_backend_name() == "postgresql":
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@contextmanager
def empty_database(folder: Path) -> Iterator[str]:
    if SERVER_URL:
        with server_database(make_url(SERVER_URL)) as url:
            yield url.render_as_string(hide_password=False)
    else:
        yield f"sqlite:///{folder / 'shopdb.db'}"


def app_config(database_url: str, instance: Path, **extra: Any) -> dict[str, Any]:
    return {
        "SHOPDB_ENV": "testing",
        "DATABASE_URL": database_url,
        "SHOPDB_INSTANCE_PATH": str(instance),
        **extra,
    }


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database for this test alone (no schema)."""
    with empty_database(tmp_path) as url:
        yield url


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on demand; their engines are disposed after the test."""
    apps: list[Flask] = []

    def build(database_url: str, **extra: Any) -> Flask:
        app = create_app(app_config(database_url, tmp_path, **extra))
        apps.append(app)
        return app

    yield build
    for app in apps:
        get_database(app).dispose()


@pytest.fixture
def empty_app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    """An app on an empty database (no schema yet)."""
    return make_app(database_url)


@pytest.fixture(scope="session")
def migrated_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per test process, emptied after each test that uses it."""
    with empty_database(tmp_path_factory.mktemp("shared")) as url:
        engine = build_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        yield url


def delete_all_rows(engine: Engine) -> None:
    """Empty every model table this database has. A loaded plugin's tables are
    in the shared metadata, but exist only where the plugin is installed."""
    with engine.begin() as connection:
        present = set(inspect(connection).get_table_names())
        tables = [
            table.name for table in reversed(Base.metadata.sorted_tables) if table.name in present
        ]
        backend = engine.dialect.name
        if backend == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            return
        if backend == "sqlite":
            connection.execute(text("PRAGMA defer_foreign_keys=ON"))
        else:
            connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        for name in tables:
            connection.execute(text(f"DELETE FROM {name}"))
        if backend != "sqlite":
            connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))


@pytest.fixture
def app(make_app: Callable[..., Flask], migrated_database_url: str) -> Iterator[Flask]:
    """An app on a migrated database that is emptied when the test ends."""
    app = make_app(migrated_database_url)
    yield app
    delete_all_rows(get_database(app).engine)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's session inside an application context."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def seeded(session: Session) -> Session:
    """A session on a database holding the reference data."""
    seed_reference_data(session)
    session.commit()
    return session


# Query counting ---------------------------------------------------------------


class QueryCounter:
    """Counts the statements sent to the database while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)
