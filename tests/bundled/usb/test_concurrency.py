"""16 clients issuing the same USB sticks at once, each to a holder of its
own, against a real server (gunicorn, 4 workers of 4 threads): each stick is
issued exactly once (one 200, every other reply a 409), it has one open
issue and its holder is the winner's; then they all try to take the sticks
back at once, and issue them again. Runs on SQLite, MariaDB and PostgreSQL.

    .venv/bin/python -m pytest tests/bundled/usb/test_concurrency.py -p no:xdist -s
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import shopdb.bundled
from shopdb.database import get_session
from shopdb.plugins.runtime import current_runtime
from shopdb.services.access import SCOPE_WRITE
from shopdb.services.tokens import create_token
from shopdb.services.users import create_user
from shopdb.testing.servers import gunicorn, server_environment, serving
from tests.bundled.usb.conftest import PLUGIN
from tests.collectors.conftest import run
from tests.collectors.test_concurrency import CLIENTS, in_parallel
from tests.collectors.test_concurrency import post as post_json
from tests.plugins.conftest import plugins_forgotten

pytestmark = [pytest.mark.database, pytest.mark.slow]

STICKS = 10
FOLDER = Path(shopdb.bundled.__file__).parent / PLUGIN


def post(url: str, token: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POST as the editor; a 503 (SQLite busy beyond its timeout on a loaded
    machine) is sent again after a moment, as the API asks of clients, so
    the outcome counted is the server's answer about the stick."""
    for _attempt in range(5):
        status, reply = post_json(url, body, {"Authorization": f"Bearer {token}"})
        if status != 503:
            return status, reply
        time.sleep(1)
    return status, reply


@pytest.fixture
def server(make_app, database_url, tmp_path):
    """A site with usb installed and STICKS sticks, served by gunicorn;
    yields (base url, an editor's API token, the stick ids, an app)."""
    with plugins_forgotten(FOLDER):
        app = make_app(database_url)
        for args in (("db", "upgrade"), ("seed",), ("plugin", "install", PLUGIN)):
            run(app, *args)
        app = make_app(database_url)
        with app.app_context():
            session = get_session()
            user = create_user(session, "racer", "a long test password 1", "editor")
            _row, token = create_token(session, user, "race", SCOPE_WRITE)
            session.commit()
        client = app.test_client()
        ids = []
        for number in range(STICKS):
            response = client.post(
                "/api/usbdevices",
                json={"serial": f"RACE{number:04d}"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.get_json()
            ids.append(response.get_json()["data"]["assetid"])
        env = server_environment(tmp_path, DATABASE_URL=database_url)
        with serving(gunicorn, env, tmp_path) as base:
            yield base, token, ids, app


def replies(results: list[tuple[int, dict]]) -> Counter[int]:
    return Counter(status for status, _body in results)


def test_a_stick_is_issued_to_one_holder_however_requests_race(server):
    base, token, ids, app = server

    def issue_all(client: int) -> list[tuple[int, dict]]:
        return [
            post(f"{base}/api/usbdevices/{stick}/issue", token, {"issuedto": f"client {client}"})
            for stick in ids
        ]

    results, _seconds = in_parallel(issue_all)
    assert replies(results) == {200: STICKS, 409: STICKS * (CLIENTS - 1)}, [
        body for status, body in results if status not in (200, 409)
    ][:3]
    winners = {
        body["data"]["assetid"]: body["data"]["assignedto"]
        for status, body in results
        if status == 200
    }
    assert sorted(winners) == sorted(ids)

    with app.app_context():
        session = get_session()
        models = {model.__name__: model for model in current_runtime(app).get(PLUGIN).parts.models}
        device, issue = models["UsbDevice"], models["UsbIssue"]
        held = dict(session.execute(select(device.assetid, device.assignedto)).all())
        assert held == winners
        opened = session.execute(select(issue.assetid, func.count()).group_by(issue.assetid)).all()
        assert dict(opened) == dict.fromkeys(ids, 1)
        # The 409s of the races that only the database caught wrote nothing.
        assert session.scalar(select(func.count()).select_from(issue)) == STICKS

    def return_all(client: int) -> list[tuple[int, dict]]:
        return [post(f"{base}/api/usbdevices/{stick}/return", token, {}) for stick in ids]

    results, _seconds = in_parallel(return_all)
    assert replies(results) == {200: STICKS, 409: STICKS * (CLIENTS - 1)}

    results, _seconds = in_parallel(issue_all)
    assert replies(results) == {200: STICKS, 409: STICKS * (CLIENTS - 1)}
    with app.app_context():
        session = get_session()
        open_issues = session.scalar(
            select(func.count()).select_from(issue).where(issue.openassetid.is_not(None))
        )
        assert open_issues == STICKS
        assert session.scalar(select(func.count()).select_from(issue)) == 2 * STICKS
