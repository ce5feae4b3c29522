"""A database that cannot be used (down, out of reach, not a database any
more) is a 503 with Retry-After, so scripts wait and send again; the reply
names no host or path, the server log does."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shopdb.database import build_engine, get_database, is_unavailable, sqlite_path
from tests.bundled.support import installed_site
from tests.collectors.conftest import hostname

PASSWORD = "not-a-real-password-4711"


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def failure(url: str, statement: str = "SELECT 1") -> DBAPIError:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    except DBAPIError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError(f"{statement} on {url} did not fail")


def not_a_database(path: Path) -> None:
    """What a botched restore leaves: the file is there, SQLite cannot read it."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not a SQLite database\n" * 200)


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_json()
    error = response.get_json()["data"]["error"]
    assert error["code"] == "unavailable"
    assert "try again" in error["message"]
    assert "127.0.0.1" not in error["message"] and PASSWORD not in error["message"]
    assert int(response.headers["Retry-After"]) > 0


# Which failures count --------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_a_server_out_of_reach_is_unavailable(scheme):
    error = failure(f"{scheme}://shopdb:{PASSWORD}@127.0.0.1:{closed_port()}/shopdb")
    assert is_unavailable(error)


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path):
    path = tmp_path / "shopdb.db"
    not_a_database(path)
    assert is_unavailable(failure(f"sqlite:///{path}"))


def test_mistakes_in_a_statement_are_not_unavailability(tmp_path):
    url = f"sqlite:///{tmp_path / 'shopdb.db'}"
    assert not is_unavailable(failure(url, "SELECT nothing FROM nowhere"))
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE things (name VARCHAR(10) UNIQUE)"))
            connection.execute(text("INSERT INTO things VALUES ('one')"))
    finally:
        engine.dispose()
    assert not is_unavailable(failure(url, "INSERT INTO things VALUES ('one')"))


# What callers see ------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_requests_get_503_while_the_server_is_out_of_reach(make_app, scheme, caplog):
    port = closed_port()
    app = make_app(f"{scheme}://shopdb:{PASSWORD}@127.0.0.1:{port}/shopdb")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        assert_unavailable(client.get("/api/assets"))
        assert_unavailable(
            client.post("/api/auth/login", json={"username": "admin", "password": "x"})
        )
    logged = caplog.text
    assert f"127.0.0.1:{port}" in logged and PASSWORD not in logged
    assert client.get("/api/health").status_code == 200


def test_a_collector_batch_stops_with_503_when_the_database_goes(tmp_path_factory):
    with installed_site("computers", tmp_path_factory) as site:
        database = get_database(site.app)
        path = sqlite_path(database.url)
        if path is None:
            pytest.skip("replaces a SQLite file")
        assert site.pushed({"hostname": hostname()})["action"] == "created"
        database.dispose()  # the pool lets go, as when a worker restarts
        not_a_database(path)
        batch = {"records": [{"hostname": hostname()}, {"hostname": hostname()}]}
        # Not a 200 listing two internal errors: the script should send again.
        assert_unavailable(site.push(batch))
        assert_unavailable(site.push({"hostname": hostname()}))
