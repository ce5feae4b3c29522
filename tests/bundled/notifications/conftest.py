"""One site with the notifications plugin installed, shared by the package's
tests: `shopdb db upgrade`, `seed` and `plugin install notifications` on an
empty database (SQLite, or the server SHOPDB_TEST_DATABASE_URL names), then a
restart. A small location tree (site > building > bay, and a second
building) is made once; each test makes announcements with titles of its
own and finds them by them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.bundled.support import PluginSite, installed_site

NAME = "notifications"
URL = "/api/notifications"
ACTIVE = "/api/notifications/active"
KIOSK = "/notifications/kiosk"
ANONYMOUS_READ = "security.allowanonymousread"
_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Site(PluginSite):
    """The notifications site, with its locations and helpers at hand."""

    locations: dict[str, int]

    def make_locations(self) -> None:
        types = {
            row["locationtype"]: row["locationtypeid"]
            for row in self.admin.get("/api/locationtypes").get_json()["data"]
        }
        made: dict[str, int] = {}
        for name, kind, parent in (
            ("Test Plant", "site", None),
            ("Test Building 1", "building", "Test Plant"),
            ("Test Bay 1A", "bay", "Test Building 1"),
            ("Test Building 2", "building", "Test Plant"),
        ):
            body = {"name": name, "locationtypeid": types[kind]}
            if parent:
                body["parentlocationid"] = made[parent]
            response = self.admin.post("/api/locations", json=body)
            assert response.status_code == 201, response.get_json()
            made[name] = response.get_json()["data"]["locationid"]
        self.locations = made

    def body(self, **values: Any) -> dict[str, Any]:
        """A valid create body, unique per call: active since an hour, no end."""
        return {
            "title": f"Test announcement {number()}",
            "message": "Plain text",
            "starttime": iso(now() - timedelta(hours=1)),
            **values,
        }

    def create(self, **values: Any) -> dict[str, Any]:
        response = self.editor.post(URL, json=self.body(**values))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["data"]

    def active_ids(self, caller=None, **query: Any) -> list[int]:
        response = (caller or self.admin).get(ACTIVE, query_string=query)
        assert response.status_code == 200, response.get_json()
        return [row["notificationid"] for row in response.get_json()["data"]]

    def viewer_get(self, url: str, query: dict[str, Any]):
        return self.callers["viewer"].get(url, query_string=query)

    def setting_id(self, name: str) -> int:
        reply = self.admin.get("/api/settings", query_string={"setting": name}).get_json()
        (row,) = reply["data"]
        return row["settingid"]

    @contextmanager
    def anonymous_reading(self, allowed: bool) -> Iterator[None]:
        settingid = self.setting_id(ANONYMOUS_READ)
        response = self.admin.patch(f"/api/settings/{settingid}", json={"value": allowed})
        assert response.status_code == 200, response.get_json()
        try:
            yield
        finally:
            self.admin.patch(f"/api/settings/{settingid}", json={"value": False})


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with installed_site(NAME, tmp_path_factory, Site) as installed:
        installed.make_locations()
        yield installed
