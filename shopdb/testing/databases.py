"""Databases for tests: an empty one per test or site (SQLite in a folder, or
a new database on the server SHOPDB_TEST_DATABASE_URL names), emptying one
between tests, and counting the statements a request sends.

Set SHOPDB_TEST_DATABASE_URL to a MySQL/MariaDB or PostgreSQL URL (a user that
may create databases) to run the same tests on that server: each test that
needs an empty database gets a new one, created and dropped around it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from shopdb.database import build_engine
from shopdb.models import Base

SERVER_URL = os.environ.get("SHOPDB_TEST_DATABASE_URL", "").strip()


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
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin: Engine, name: str, attempts: int = 5) -> None:
    """Drop a test database, trying again while the server still has a
    process in it: PostgreSQL refuses to end an autovacuum worker for a role
    outside pg_signal_backend, and that worker leaves within moments."""
    if admin.dialect.name == "postgresql":
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    else:
        statement = f"DROP DATABASE IF EXISTS `{name}`"
    for attempt in range(1, attempts + 1):
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
            return
        except DBAPIError:
            if attempt == attempts:
                raise
            time.sleep(0.5 * attempt)


@contextmanager
def empty_database(folder: Path) -> Iterator[str]:
    """The URL of an empty database: on the test server when one is set, else
    a SQLite file in `folder`."""
    if SERVER_URL:
        with server_database(make_url(SERVER_URL)) as url:
            yield url.render_as_string(hide_password=False)
    else:
        yield f"sqlite:///{folder / 'shopdb.db'}"


def app_config(database_url: str, instance: Path, **extra: Any) -> dict[str, Any]:
    """The configuration of a test app on `database_url`, its files in `instance`."""
    return {
        "SHOPDB_ENV": "testing",
        "DATABASE_URL": database_url,
        "SHOPDB_INSTANCE_PATH": str(instance),
        **extra,
    }


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
