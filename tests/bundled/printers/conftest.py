"""A site with the bundled printers plugin installed the way a site installs
it (`db upgrade`, `seed`, `plugin install printers`), shared by a module's
tests; each test uses host names of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.bundled.support import PluginSite, installed_site

PLUGIN = "printers"


def hostname(prefix: str = "PRN") -> str:
    """A host name no other test uses, upper-case (stored lower-case)."""
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginSite]:
    with installed_site(PLUGIN, tmp_path_factory) as installed:
        yield installed
