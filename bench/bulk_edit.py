"""Statements and server time of the web UI's bulk edit (POST /assets/bulk)
for growing selections, on a fresh SQLite site (or DATABASE_URL).

    .venv/bin/python bench/bulk_edit.py [--sizes 10,50,250,1000]

Each selection is changed from one status to another in one request, as
the list's action bar sends it: one `save_many` for all the records, one
audit entry per record. The statements per request should not grow with the
number of records (the write is set-based); the time does, a little.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from shopdb.app import create_app
from shopdb.database import get_database, get_session
from shopdb.models import Asset, AssetStatus, AssetType, AuditLog
from shopdb.testing.databases import app_config, count_queries
from shopdb.testing.sites import invoke, stop

PASSWORD = "bench bulk passphrase"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,50,250,1000")
    sizes = [int(each) for each in parser.parse_args().sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="shopdb-bulk-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bulk.db"
    app = create_app(app_config(url, folder, SHOPDB_LOGIN_RATE_LIMIT="1000 per minute"))
    try:
        for args in (("db", "upgrade"), ("seed",)):
            assert invoke(app, *args).exit_code == 0, args
        created = invoke(
            app,
            "user",
            "create",
            "bencheditor",
            "--role",
            "editor",
            "--password-stdin",
            input=PASSWORD,
        )
        assert created.exit_code == 0, created.output
        with app.app_context():
            session = get_session()
            kind = AssetType(assettype="benchthing", label="Bench thing")
            session.add(kind)
            session.flush()
            query = select(AssetStatus.assetstatus, AssetStatus.assetstatusid)
            statuses = {row[0]: row[1] for row in session.execute(query)}
            rows = [
                Asset(
                    assetnumber=f"BULK-{number:06d}",
                    assettypeid=kind.assettypeid,
                    assetstatusid=statuses["active"],
                )
                for number in range(sum(sizes))
            ]
            session.add_all(rows)
            session.commit()
            ids = [row.assetid for row in rows]
        client = app.test_client()
        login = client.post(
            "/api/auth/login", json={"username": "bencheditor", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.get_json()['data']['accesstoken']}"}
        engine = get_database(app).engine
        print(f"{'records':>8} {'statements':>10} {'ms':>8} {'audit entries':>14}")
        start = 0
        for size in sizes:
            chosen = ids[start : start + size]
            start += size
            with app.app_context():
                before = get_session().scalar(select(func.count()).select_from(AuditLog))
            data = {
                "ids": [str(each) for each in chosen],
                "action": "edit",
                "assetstatusid": str(statuses["inactive"]),
            }
            with count_queries(engine) as counter:
                began = time.perf_counter()
                reply = client.post("/assets/bulk", data=data, headers=headers)
                elapsed = (time.perf_counter() - began) * 1000
            assert reply.status_code == 303, reply.get_data(True)[-1000:]
            with app.app_context():
                after = get_session().scalar(select(func.count()).select_from(AuditLog))
            print(f"{size:>8} {counter.count:>10} {elapsed:>8.0f} {after - before:>14}")
    finally:
        stop(app)


if __name__ == "__main__":
    main()
