"""A site with the bundled equipment plugin installed the way a site installs
it (`db upgrade`, `seed`, `plugin install equipment`), shared by a module's
tests; each test uses machine numbers of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import shopdb.bundled
from tests.bundled.support import PluginSite, installed_site

PLUGIN = "equipment"
FOLDER = Path(shopdb.bundled.__file__).parent / PLUGIN
# lookup resource -> (label field, key)
LOOKUPS = {
    "equipmenttypes": ("equipmenttype", "equipmenttypeid"),
    "controllertypes": ("controllertype", "controllertypeid"),
    "controlleroses": ("controlleros", "controllerosid"),
}


def machinenumber(prefix: str = "M") -> str:
    """A machine number no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


class Site(PluginSite):
    """The equipment site, with its seeded lookups at hand."""

    def lookup(self, resource: str, label: str) -> int:
        """The id of the seeded row `label` of a lookup resource."""
        field, key = LOOKUPS[resource]
        reply = self.editor.get(f"/api/{resource}", query_string={field: label})
        (row,) = reply.get_json()["data"]
        return row[key]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with installed_site(PLUGIN, tmp_path_factory, Site) as installed:
        yield installed
