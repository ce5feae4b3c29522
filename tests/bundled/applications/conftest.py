"""A site with the bundled applications plugin installed (which installs the
computers plugin it depends on), shared by a module's tests; each test uses
host names and application names of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.bundled.support import PluginSite, installed_site

PLUGIN = "applications"


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginSite]:
    with installed_site(PLUGIN, tmp_path_factory) as installed:
        yield installed
