"""Fixtures that build plugin folders in a temporary folder and forget every
table, mapper and module they registered afterwards, so no test leaks a table
into Base.metadata (the migration comparison would see it) or a module into
the next test."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from shopdb.models import Base
from shopdb.plugins.isolation import ModelSnapshot
from tests.plugins.builder import unique_name, write_plugin


@pytest.fixture
def plugins_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "plugins"
    folder.mkdir()
    return folder


@pytest.fixture
def make_plugin(plugins_dir: Path) -> Callable[..., Path]:
    """make_plugin(name=None, directory=None, code=..., **manifest fields) -> folder."""

    def make(name: str | None = None, *, directory: Path | None = None, **options: Any) -> Path:
        return write_plugin(directory or plugins_dir, name or unique_name(), **options)

    return make


@pytest.fixture(autouse=True)
def forget_plugins(tmp_path: Path) -> Iterator[None]:
    """After each test: drop the tables, mappers and modules its plugins added."""
    with plugins_forgotten(tmp_path):
        yield


@contextmanager
def plugins_forgotten(root: Path) -> Iterator[None]:
    """Forget, on leaving, every table, mapper and module added meanwhile by
    plugins whose files are under `root`."""
    snapshot = ModelSnapshot.take()
    try:
        yield
    finally:
        root = root.resolve()
        packages = [
            name
            for name, module in list(sys.modules.items())
            if _is_under(getattr(module, "__file__", None), root)
        ]
        lasting = snapshot.restore(packages)
        importlib.invalidate_caches()
    assert lasting == [], f"a test plugin altered a core model: {lasting}"
    assert set(Base.metadata.tables) == set(snapshot.columns), "a plugin table leaked"


def _is_under(filename: str | None, root: Path) -> bool:
    return bool(filename) and Path(filename).resolve().is_relative_to(root)
