"""Test-only models: a test plugin's tables, imported for one test module and
forgotten again, so that they never stay in `Base.metadata` where the
migration comparison and every other test's row cleanup would find them."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType

from sqlalchemy import Table

from shopdb.database import build_engine
from shopdb.models import Base
from shopdb.plugins.isolation import ModelSnapshot


@contextmanager
def imported_models(name: str) -> Iterator[ModuleType]:
    """Import the module `name` (which declares models); afterwards forget its
    tables, mapped classes and the module itself."""
    snapshot = ModelSnapshot.take()
    module = importlib.import_module(name)
    yield module
    assert snapshot.restore([name]) == []
    assert set(Base.metadata.tables) == set(snapshot.columns)


@contextmanager
def created_tables(database_url: str, tables: Iterable[Table]) -> Iterator[None]:
    """The tables in the test process's shared database, as their migration
    would make them; dropped afterwards."""
    tables = list(tables)
    engine = build_engine(database_url)
    Base.metadata.create_all(engine, tables=tables)
    try:
        yield
    finally:
        Base.metadata.drop_all(engine, tables=tables)
        engine.dispose()
