"""The shipped gunicorn config (deploy/gunicorn.conf.py) lets every address
the API document allows reach the app, which answers longer ones in JSON."""

from __future__ import annotations

import runpy
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from shopdb.database import build_engine
from shopdb.http.requestline import MAXIMUM_QUERY_BYTES
from shopdb.services import migrations
from tests.harness.servers import GUNICORN, GUNICORN_CONFIG, server_environment, serving

CONFIG = Path(GUNICORN_CONFIG)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_request_line_limit_fits_the_longest_query_string_taken():
    settings = runpy.run_path(str(CONFIG))
    # Method, path, the query string and " HTTP/1.1" fit in gunicorn's limit.
    longest = len("GET /api/locations/?") + MAXIMUM_QUERY_BYTES + len(" HTTP/1.1")
    assert settings["limit_request_line"] >= longest + 100


@pytest.mark.slow
def test_long_addresses_get_json_from_the_app_under_gunicorn(tmp_path):
    url = f"sqlite:///{tmp_path / 'shopdb.db'}"
    engine = build_engine(url)
    migrations.upgrade(engine)
    engine.dispose()

    def command(port: int) -> list[str]:
        return [GUNICORN, "-c", str(CONFIG), "--bind", f"127.0.0.1:{port}", "shopdb:create_app()"]

    env = server_environment(tmp_path, DATABASE_URL=url)
    with serving(command, env, tmp_path) as base:
        # 60 values of 100 characters: about 6.6 kB, more than gunicorn's default takes.
        query = "&".join(f"vendor={'v' * 97}{index:03d}" for index in range(60))
        status, kind, _body = fetch(f"{base}/api/vendors?{query}")
        assert (status, kind) == (401, "application/json")
        too_long = "&".join(f"vendor={'v' * 100}" for index in range(75))
        status, kind, body = fetch(f"{base}/api/vendors?{too_long}")
        assert (status, kind) == (414, "application/json")
        assert b"uri_too_long" in body
