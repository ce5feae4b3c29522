"""Sign-in limits shared through Redis: two apps (two gunicorn workers, or two
hosts) count against one limit, where memory:// lets each allow it whole.

Uses the Redis server SHOPDB_TEST_REDIS_URL names (.ci/run starts one from
Debian's redis-server package), or starts a private redis-server on a free
loopback port when that program is installed; skips when neither is there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from shopdb.database import get_database
from shopdb.testing.databases import delete_all_rows
from tests.http.auth_support import login

pytestmark = [pytest.mark.slow, pytest.mark.database]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("SHOPDB_TEST_REDIS_URL", "").strip()
    if given:
        yield given
        return
    program = shutil.which("redis-server")
    if program is None:
        pytest.skip("no SHOPDB_TEST_REDIS_URL and no redis-server (apt-get install redis-server)")
    port = free_port()
    folder: Path = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            program,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def two_apps(make_app, migrated_database_url):
    apps = []

    def build(store: str):
        for _ in range(2):
            apps.append(
                make_app(
                    migrated_database_url,
                    SHOPDB_RATELIMIT_STORAGE_URL=store,
                    SHOPDB_LOGIN_RATE_LIMIT="3 per minute",
                )
            )
        return apps[-2:]

    yield build
    if apps:
        delete_all_rows(get_database(apps[0]).engine)


def attempts(apps, address: str, count: int) -> list[int]:
    """`count` failed sign-ins from one address, alternating between the apps."""
    codes = []
    for number in range(count):
        client = apps[number % 2].test_client()
        response = login(
            client, f"nobody{number}", "wrong password!", environ_base={"REMOTE_ADDR": address}
        )
        codes.append(response.status_code)
    return codes


def test_two_apps_on_redis_share_one_limit(two_apps, redis_url):
    apps = two_apps(redis_url)
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    assert attempts(apps, address, 4) == [401, 401, 401, 429]
    keys = redis.Redis.from_url(redis_url).keys("*shopdb*")
    assert any(address.encode() in key for key in keys)


def test_two_apps_in_memory_each_allow_the_whole_limit(two_apps):
    apps = two_apps("memory://")
    assert attempts(apps, "10.9.9.9", 6) == [401] * 6
    assert attempts(apps, "10.9.9.9", 2) == [429, 429]


def test_an_unreachable_store_refuses_sign_in_with_a_503(two_apps, caplog):
    apps = two_apps(f"redis://127.0.0.1:{free_port()}/0")
    response = login(apps[0].test_client(), "nobody", "wrong password!")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "cannot be counted" in response.get_json()["data"]["error"]["message"]
    assert "SHOPDB_RATELIMIT_STORAGE_URL, redis://..." in caplog.text
