"""The contract suite's fixtures: one installed database per plugin.

With no plugin found (and no plugin directory that cannot be searched) there is
nothing to check, and nothing is collected.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopdb.plugins.isolation import ModelSnapshot
from tests.conftest import empty_database
from tests.contract.support import PluginSite, survey

if not survey().plugins and not survey().problem:
    collect_ignore = ["test_contract.py"]


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
