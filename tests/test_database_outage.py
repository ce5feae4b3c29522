"""A database that goes away in the middle of a request: the caller gets the
reply already built, or the JSON 503 with Retry-After; never a bare 500.

These tests stop a database server, so they start throw-away servers of
their own (shopdb/testing/databaseservers.py) instead of the shared ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request

from shopdb.app import create_app
from shopdb.database import build_engine, get_database
from shopdb.models import EDITOR
from shopdb.services import migrations
from shopdb.testing.clients import make_callers
from shopdb.testing.databases import app_config
from shopdb.testing.databaseservers import ThrowawayServer, have, throwaway_server

pytestmark = pytest.mark.slow
PAUSE_HEADER = "X-Test-Pause"


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[ThrowawayServer, str]]:
    if not have(request.param):
        pytest.skip(f"{request.param} is not installed here")
    with throwaway_server(request.param) as server:
        server.create_database("shopdb_outage")
        url = server.url_of("shopdb_outage")
        engine = build_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        yield server, url


@pytest.fixture
def paused_app(server, tmp_path: Path) -> Iterator[tuple[Flask, ThrowawayServer, dict]]:
    """An app whose requests stop where the pause header says ("before" the
    view, "after" it built the reply) until the test lets them go on."""
    throwaway, url = server
    if not throwaway.available():
        throwaway.start()
    app = create_app(app_config(url, tmp_path))
    gates = {"reached": threading.Event(), "go": threading.Event()}

    def pause(where: str) -> None:
        if request.headers.get(PAUSE_HEADER) == where:
            gates["reached"].set()
            assert gates["go"].wait(60)

    app.before_request_funcs.setdefault(None, []).append(lambda: pause("before"))

    @app.after_request
    def after(response):
        pause("after")
        return response

    yield app, throwaway, gates
    get_database(app).dispose()
    if not throwaway.available():
        throwaway.start()


def request_while_the_database_stops(
    app, throwaway, gates, where: str, method: str, url: str, **options
):
    caller = make_callers(app)[EDITOR]
    replies = []
    worker = threading.Thread(
        target=lambda: replies.append(
            caller.request(method, url, headers={PAUSE_HEADER: where}, **options)
        )
    )
    worker.start()
    assert gates["reached"].wait(60), "the request never reached the pause"
    throwaway.stop()
    gates["go"].set()
    worker.join(60)
    assert replies, "the request raised instead of answering"
    return replies[0]


@pytest.mark.parametrize(
    ("where", "status", "code"),
    [("after", 200, None), ("before", 503, "unavailable")],
    ids=["reply-built", "before-the-query"],
)
def test_a_read_gets_its_reply_or_the_json_503(paused_app, where, status, code):
    """Stopped after the reply was built, the reply arrives (closing the
    session on the dead connection once replaced it with a 500); stopped
    before the query, the JSON 503 with Retry-After."""
    app, throwaway, gates = paused_app
    response = request_while_the_database_stops(
        app, throwaway, gates, where, "GET", "/api/vendors?perpage=5"
    )
    assert response.status_code == status
    assert response.is_json
    if code is None:
        assert response.get_json()["data"] == []
    else:
        assert response.get_json()["data"]["error"]["code"] == code
        assert int(response.headers["Retry-After"]) > 0


def test_a_committed_write_keeps_its_reply_when_the_database_stops(paused_app):
    app, throwaway, gates = paused_app
    response = request_while_the_database_stops(
        app, throwaway, gates, "after", "POST", "/api/vendors", json={"vendor": "Kept"}
    )
    assert response.status_code == 201
    assert response.get_json()["data"]["vendor"] == "Kept"
    throwaway.start()
    listed = make_callers(app)[EDITOR].get("/api/vendors?vendor=Kept").get_json()["data"]
    assert [row["vendor"] for row in listed] == ["Kept"]


def test_an_outage_is_one_log_line_without_tracebacks(paused_app, caplog):
    app, throwaway, gates = paused_app
    caplog.set_level("INFO")
    first = request_while_the_database_stops(
        app, throwaway, gates, "after", "GET", "/api/vendors?perpage=5"
    )
    assert first.status_code == 200
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/health/ready").status_code == 503
        assert client.get("/api/vendors").status_code == 503
    throwaway.start()
    assert client.get("/api/health/ready").status_code == 200
    assert [record for record in caplog.records if record.exc_info] == []
    messages = [record.getMessage() for record in caplog.records]
    assert len([text for text in messages if "requests get 503" in text]) == 1, messages
    assert len([text for text in messages if "answers again after" in text]) == 1, messages
