"""A site with the bundled knowledgebase plugin installed (with the
applications and computers plugins it depends on), shared by a module's
tests; each test writes articles of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.bundled.support import PluginSite, installed_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginSite]:
    # equipment too: the demo articles are linked to machines as well as PCs.
    with installed_site("knowledgebase", tmp_path_factory, also=("equipment",)) as installed:
        yield installed
