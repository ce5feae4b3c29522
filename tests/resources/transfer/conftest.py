"""Sites with every bundled plugin installed, as a site installs them (`db
upgrade`, `seed`, `plugin install ...`, a restart): one with the demo data
(`seed --demo`), one left empty, shared by the package's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

import shopdb.bundled
from shopdb.app import create_app
from shopdb.database import get_database
from shopdb.testing.clients import make_callers
from shopdb.testing.databases import app_config, empty_database
from tests.bundled.support import PluginSite
from tests.collectors.conftest import run
from tests.plugins.conftest import plugins_forgotten

BUNDLED = sorted(
    path.name
    for path in Path(shopdb.bundled.__file__).parent.iterdir()
    if (path / "manifest.json").exists()
)


class Site(PluginSite):
    """A site with every bundled plugin (`plugin` is "bundled")."""


@contextmanager
def bundled_site(stack: ExitStack, folder: Path, demo: bool) -> Iterator[Site]:
    url = stack.enter_context(empty_database(folder))
    first = create_app(app_config(url, folder))
    try:
        for args in (("db", "upgrade"), ("seed",), ("plugin", "install", *BUNDLED)):
            run(first, *args)
    finally:
        get_database(first).dispose()
    app = create_app(app_config(url, folder))
    try:
        if demo:
            run(app, "seed", "--demo")
        yield Site("bundled", app, make_callers(app))
    finally:
        get_database(app).dispose()


@contextmanager
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    with ExitStack() as stack:
        stack.enter_context(plugins_forgotten(Path(shopdb.bundled.__file__).parent))
        demo = stack.enter_context(bundled_site(stack, tmp_path_factory.mktemp("demo"), True))
        empty = stack.enter_context(bundled_site(stack, tmp_path_factory.mktemp("empty"), False))
        yield demo, empty


@pytest.fixture(scope="package")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    """(the demo site, an empty site), both with every bundled plugin; the
    tests of the package add records of their own to the demo site."""
    with two_sites(tmp_path_factory) as found:
        yield found


@pytest.fixture
def untouched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    """A demo site and an empty site of the test's own, which no other test changed."""
    with two_sites(tmp_path_factory) as found:
        yield found


@pytest.fixture(scope="package")
def demo(sites) -> Site:
    return sites[0]


@pytest.fixture(scope="package")
def empty(sites) -> Site:
    return sites[1]
