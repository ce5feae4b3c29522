"""Tests of the plugin; they run with plain pytest from any folder:

    python -m pytest path/to/<plugin>/tests

They build a throw-away site as an admin would: a SQLite database in a
temporary folder, `shopdb db upgrade`, `shopdb plugin install <plugin>`, an
admin user, a restart; then they use the plugin's REST API as a script would,
signed in through POST /api/auth/login.
"""

from __future__ import annotations

import itertools
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient

from shopdb.app import create_app
from shopdb.console import cli

NAME = "measuringtools"
URL = "/api/measuringtools"
# The folder holding this plugin's folder: the plugin directory ShopDB searches.
PLUGIN_DIRECTORY = Path(__file__).resolve().parents[2]
PASSWORD = "test-passphrase-0123"
_numbers = itertools.count(1)


def plugin_paths() -> list[str]:
    """The plugin directory, unless ShopDB finds the plugin without it (as
    an installed entry point, or bundled: then the directory is a package)."""
    installed = {entry.name for entry in entry_points(group="shopdb.plugins")}
    if NAME in installed or (PLUGIN_DIRECTORY / "__init__.py").is_file():
        return []
    return [str(PLUGIN_DIRECTORY)]


def start(site: Path) -> Flask:
    """A ShopDB app on the site in `site`; building it again is a restart."""
    return create_app(
        {
            "SHOPDB_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{site / 'shopdb.db'}",
            "SHOPDB_INSTANCE_PATH": str(site),
            "SHOPDB_PLUGIN_PATHS": plugin_paths(),
        }
    )


def shopdb(app: Flask, *args: str, input: str | None = None) -> str:
    """Run `shopdb ARGS...` on the app's site; its output, or a failed test."""
    result = CliRunner().invoke(
        cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input
    )
    assert result.exit_code == 0, result.output
    return result.output


def body(**values: object) -> dict[str, object]:
    """A valid create body, unique per call."""
    number = next(_numbers)
    return {
        "assetnumber": f"{NAME}-{number:04d}",
        "name": f"Example {number}",
        "code": f"C-{number:04d}",
        "capacity": number,
        "specification": "Made by the plugin's tests",
        **values,
    }


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A site with the plugin installed and an admin, shared by the tests."""
    site = tmp_path_factory.mktemp("site")
    first = start(site)
    shopdb(first, "db", "upgrade")
    shopdb(first, "seed")
    assert f"Installed and enabled {NAME}" in shopdb(first, "plugin", "install", NAME)
    admin = ["user", "create", "admin", "--role", "admin", "--password-stdin"]
    shopdb(first, *admin, input=PASSWORD)
    return start(site)  # plugins load when ShopDB starts


@pytest.fixture(scope="module")
def headers(app: Flask) -> dict[str, str]:
    """The admin's credentials, from a real sign-in."""
    response = app.test_client().post(
        "/api/auth/login", json={"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['data']['accesstoken']}"}


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    # No cookies: requests carry the bearer token only, as a script sends them.
    return app.test_client(use_cookies=False)


def create(client: FlaskClient, headers: dict[str, str], **values: object) -> dict:
    response = client.post(URL, json=body(**values), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def test_the_plugin_is_loaded(client, headers):
    reports = client.get("/api/plugins", headers=headers).get_json()["data"]
    assert {report["name"]: report["status"] for report in reports}[NAME] == "loaded"


def test_create_list_filter_get_update_and_retire(client, headers):
    sent = body()
    response = client.post(URL, json=sent, headers=headers)
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["data"]
    assert {key: record[key] for key in sent} == sent
    assetid = record["assetid"]
    other = create(client, headers)

    listed = client.get(URL, headers=headers).get_json()
    assert {assetid, other["assetid"]} <= {item["assetid"] for item in listed["data"]}
    assert listed["meta"]["pagination"]["total"] >= 2

    query = {"code": sent["code"]}
    found = client.get(URL, query_string=query, headers=headers).get_json()
    assert [item["assetid"] for item in found["data"]] == [assetid]

    detail = client.get(f"{URL}/{assetid}", headers=headers).get_json()["data"]
    assert detail["code"] == sent["code"] and "relationships" in detail

    change = {"name": "Renamed", "capacity": 99}
    response = client.patch(f"{URL}/{assetid}", json=change, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert {key: response.get_json()["data"][key] for key in change} == change

    response = client.delete(f"{URL}/{assetid}", headers=headers)
    assert response.status_code == 204, response.get_json()
    retired = client.get(f"{URL}/{assetid}", headers=headers).get_json()["data"]
    assert retired["isactive"] is False  # deleting an asset retires it


def test_the_record_is_an_asset_too(client, headers):
    record = create(client, headers)
    response = client.get(f"/api/assets/{record['assetid']}", headers=headers)
    assert response.get_json()["data"]["assetnumber"] == record["assetnumber"]


def test_a_duplicate_code_is_a_conflict(client, headers):
    first = create(client, headers)
    response = client.post(URL, json=body(code=first["code"]), headers=headers)
    assert response.status_code == 409, response.get_json()
    assert "code" in response.get_json()["data"]["error"]["details"]


def test_reading_needs_a_sign_in(client):
    assert client.get(URL).status_code == 401
