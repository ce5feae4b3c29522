"""The contract suite's fixtures: one installed database per plugin.

With no plugin found (and no plugin directory that cannot be searched) there is
nothing to check, and nothing is collected. The markers are registered here, so
the suite runs the same from a site's own folder
(`python -m pytest --pyargs shopdb.testing.contract`) as from a ShopDB checkout.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopdb.plugins.isolation import ModelSnapshot
from shopdb.testing.contract.support import survey
from shopdb.testing.databases import empty_database
from shopdb.testing.sites import PluginSite

if not survey().plugins and not survey().problem:
    collect_ignore = ["test_contract.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "database: touches the database; set SHOPDB_TEST_DATABASE_URL for a server"
    )


@pytest.fixture(scope="module")
def plugin_site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PluginSite]:
    """A fresh database where `shopdb db upgrade` and `shopdb plugin install
    <name>` ran, for the plugin named by the (indirect) parameter.

    Module scope with a parameter makes pytest run each plugin's tests one
    after the other, so one database serves them all, and only that plugin is
    loaded meanwhile: its modules and tables are forgotten when they are done.
    """
    name = request.param
    snapshot = ModelSnapshot.take()
    folder = tmp_path_factory.mktemp(f"site{name}")
    try:
        with empty_database(folder) as url:
            site = PluginSite(name, url, folder)
            site.install()
            yield site
    finally:
        snapshot.restore(survey().plugins[name].packages)
