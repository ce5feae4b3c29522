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
from shopdb.testing.servers import GUNICORN, GUNICORN_CONFIG, server_environment, serving

CONFIG = Path(GUNICORN_CONFIG)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_gunicorn_leaves_the_request_line_to_the_app():
    settings = runpy.run_path(str(CONFIG))
    assert settings["limit_request_line"] == 0  # none: the app answers in JSON
    # One filter at the document's bounds: 100 values of 200 characters.
    assert len("&".join(f"vendor={'v' * 200}" for _ in range(100))) < MAXIMUM_QUERY_BYTES


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
        # 100 values of 200 characters: about 21 kB, the document's bound for one
        # filter, five times what gunicorn's default takes.
        query = "&".join(f"vendor={'v' * 197}{index:03d}" for index in range(100))
        status, kind, _body = fetch(f"{base}/api/vendors?{query}")
        assert (status, kind) == (401, "application/json")
        too_long = "&".join(f"vendor={'v' * 200}" for index in range(330))
        status, kind, body = fetch(f"{base}/api/vendors?{too_long}")
        assert (status, kind) == (414, "application/json")
        assert b"uri_too_long" in body
