"""16 inventory scripts pushing new PCs at once, each PC with the same new
software spelt its own way, against a real server (gunicorn, 4 workers of 4
threads): every push is created, never an error, each application exists
once, and every PC has its installations. The race is on creating the
applications, which a lost push cannot simply run again (its computer is new
too), so the loser must settle it inside its own transaction.

    .venv/bin/python -m pytest tests/bundled/applications/test_concurrency.py -p no:xdist
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

import shopdb.bundled
from shopdb.database import get_session
from shopdb.testing.servers import gunicorn, server_environment, serving
from tests.collectors.conftest import SHARED_KEY, run
from tests.collectors.test_concurrency import CLIENTS, in_parallel, post
from tests.plugins.conftest import plugins_forgotten

pytestmark = [pytest.mark.database, pytest.mark.slow]

PCS_PER_CLIENT = 3
NAMES = ("Race CAM", "Race DNC", "Race Calypso", "Race Vericut", "Race Edge")


def spelt(client: int, name: str) -> str:
    return name.upper() if client % 3 == 0 else name.lower() if client % 3 == 1 else name


def test_new_pcs_pushing_the_same_new_software_at_once(make_app, database_url, tmp_path):
    with plugins_forgotten(Path(shopdb.bundled.__file__).parent):
        app = make_app(database_url)
        for args in (("db", "upgrade"), ("seed",), ("plugin", "install", "applications")):
            run(app, *args)
        env = server_environment(tmp_path, DATABASE_URL=database_url, COLLECTOR_API_KEY=SHARED_KEY)
        with serving(gunicorn, env, tmp_path) as base:
            url = f"{base}/api/collector/computers"

            def work(client: int) -> list:
                return [
                    post(
                        url,
                        {
                            "hostname": f"race-{client:02d}-{number}",
                            "software": [
                                {"name": spelt(client, name), "version": f"{client}.{number}"}
                                for name in NAMES
                            ],
                        },
                    )
                    for number in range(PCS_PER_CLIENT)
                ]

            replies, _seconds = in_parallel(work)
        assert [body for status, body in replies if status != 200] == []
        assert {body["data"]["action"] for _status, body in replies} == {"created"}
        # Plain SQL: importing the plugin's models here would leave its tables
        # in the shared metadata for every later test of this process.
        app = make_app(database_url)
        with app.app_context():
            session = get_session()
            names = session.scalars(text("SELECT namekey FROM applications")).all()
            installed = session.scalar(text("SELECT COUNT(*) FROM installations"))
        assert sorted(names) == sorted(name.lower() for name in NAMES)
        assert installed == CLIENTS * PCS_PER_CLIENT * len(NAMES)
