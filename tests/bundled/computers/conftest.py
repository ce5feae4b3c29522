"""A site with the bundled computers plugin installed the way a site installs
it (`db upgrade`, `seed`, `plugin install computers`), shared by a module's
tests; each test uses hostnames and MAC addresses of its own."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import shopdb.bundled
from tests.bundled.support import PluginSite, installed_site

PLUGIN = "computers"
FOLDER = Path(shopdb.bundled.__file__).parent / PLUGIN
COUNTER = itertools.count(1)


def hostname(prefix: str = "PC") -> str:
    """A hostname no other test uses, upper-case (stored lower-case)."""
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def mac() -> str:
    """A locally administered MAC address no other test uses."""
    digits = f"06{uuid.uuid4().hex[:10]}"
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


Site = PluginSite


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with installed_site(PLUGIN, tmp_path_factory) as installed:
        yield installed
