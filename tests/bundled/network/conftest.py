"""One site with the network plugin installed, shared by the package's tests:
`shopdb db upgrade`, `seed` and `plugin install network` on an empty
database (SQLite, or the server SHOPDB_TEST_DATABASE_URL names), then a
restart, as on a real site. Each test uses MAC addresses and asset numbers of
its own, so the tests do not see each other's records."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.bundled.support import PluginSite, installed_site

NAME = "network"
URL = "/api/networkdevices"
TYPES_URL = "/api/networkdevicetypes"
_numbers = itertools.count(1)


def number() -> int:
    """Unique within the test run: for asset numbers and MAC addresses."""
    return next(_numbers)


def mac(serial: int, separator: str = ":") -> str:
    """A locally administered MAC (06:...) no demo row uses (those are 02:5d:...)."""
    digits = f"06ab{serial:08x}"
    return separator.join(digits[index : index + 2] for index in range(0, 12, 2))


class Site(PluginSite):
    """The network site, with valid bodies and records at hand."""

    def type_id(self, name: str) -> int:
        reply = self.admin.get(TYPES_URL, query_string={"networkdevicetype": name}).get_json()
        (row,) = reply["data"]
        return row["networkdevicetypeid"]

    def body(self, **values: Any) -> dict[str, Any]:
        """A valid create body of a switch, unique per call."""
        serial = number()
        return {
            "assetnumber": f"NETTEST-{serial:05d}",
            "name": f"Test switch {serial}",
            "networkdevicetypeid": self.type_id("switch"),
            "macaddress": mac(serial),
            **values,
        }

    def create(self, **values: Any) -> dict[str, Any]:
        response = self.editor.post(URL, json=self.body(**values))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with installed_site(NAME, tmp_path_factory, Site) as installed:
        yield installed
