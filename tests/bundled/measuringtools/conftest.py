"""One site with the measuringtools plugin installed, shared by the package's
tests: `shopdb db upgrade`, `seed` and `plugin install measuringtools` on an
empty database (SQLite, or the server SHOPDB_TEST_DATABASE_URL names), then a
restart, as on a real site. Each test makes instruments of its own (unique
asset numbers), and dates relative to today, so the tests do not see each
other's records."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.bundled.support import PluginSite, installed_site

NAME = "measuringtools"
URL = "/api/measuringtools"
CALIBRATIONS = "/api/calibrations"
_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


def days_ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def minimal_pdf(padding: int = 0) -> bytes:
    """A small well-formed PDF: header, one object, a cross-reference table
    at the offset `startxref` names, and the end marker."""
    body = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    body += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    body += b"%" + b"x" * padding + b"\n"
    offset = len(body)
    body += (
        b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
        b"trailer\n<< /Root 1 0 R /Size 3 >>\nstartxref\n" + str(offset).encode() + b"\n%%EOF\n"
    )
    return body


class Site(PluginSite):
    """The measuring tools site, with instruments and calibrations at hand."""

    def create(self, **values: Any) -> dict[str, Any]:
        serial = number()
        body = {
            "assetnumber": f"MTTEST-{serial:05d}",
            "name": f"Test micrometer {serial}",
            "instrumenttype": "micrometer",
            "calibrationintervaldays": 365,
            **values,
        }
        response = self.editor.post(URL, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    def calibrate(self, assetid: int, ago: int, result: str = "pass", **values: Any) -> dict:
        body = {
            "assetid": assetid,
            "calibrationdate": days_ago(ago),
            "result": result,
            "performedby": "lab",
            "performername": "Test lab",
            **values,
        }
        response = self.editor.post(CALIBRATIONS, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    def instrument(self, assetid: int) -> dict[str, Any]:
        response = self.editor.get(f"{URL}/{assetid}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["data"]

    def setting(self, key: str, value: int) -> int:
        """Change a plugin setting as an admin does; returns the old value."""
        name = f"plugin.{NAME}.{key}"
        reply = self.admin.get("/api/settings", query_string={"setting": name}).get_json()
        (row,) = reply["data"]
        response = self.admin.patch(f"/api/settings/{row['settingid']}", json={"value": value})
        assert response.status_code == 200, response.get_json()
        return row["value"]


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # equipment too: the demo's gauges are part of its machines.
    with installed_site(NAME, tmp_path_factory, Site, also=("equipment",)) as installed:
        yield installed
