"""Fixtures shared by the whole suite.

Tests run on SQLite by default. Set SHOPDB_TEST_DATABASE_URL to a MySQL/MariaDB
or PostgreSQL URL (a user that may create databases) and run `pytest -m
database` to run every database test against that server instead: each test
that needs an empty database gets a new one, created and dropped around it.
The databases themselves come from `shopdb.testing.databases`, which a site's
own plugin tests use too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from shopdb.app import create_app
from shopdb.database import build_engine, get_database, get_session
from shopdb.services import migrations
from shopdb.services.seeds import seed_reference_data
from shopdb.testing.databases import app_config, delete_all_rows, empty_database


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
