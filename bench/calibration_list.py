"""Statements and timings of the measuring tools list at 10,000 instruments.

    .venv/bin/python bench/calibration_list.py [--instruments 10000] [--repeat 10]
        [--database-url URL]

Builds a throw-away site (SQLite in a temporary folder, or an empty database
at URL) with the measuringtools plugin installed, adds the instruments with
three calibration records each (every fifth overdue, some due soon, some out
of service), signs in as an admin and prints, per request, the SQL
statements and the mean time in process (no network). The calibration
state is computed in SQL, so the filtered list costs the statements of the
unfiltered one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

# The repository root, for the measuring helper of bench/api_queries.py.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from flask_jwt_extended import create_access_token
from sqlalchemy import insert, select

from bench.api_queries import measure
from shopdb.app import create_app
from shopdb.bundled.measuringtools.models import Calibration, MeasuringTool
from shopdb.console import cli
from shopdb.database import get_database, get_session
from shopdb.models import Asset, AssetStatus, AssetType
from shopdb.services import users

PLUGIN = "measuringtools"
BATCH = 1000


def start(folder: Path, url: str) -> Flask:
    return create_app(
        {"SHOPDB_ENV": "testing", "DATABASE_URL": url, "SHOPDB_INSTANCE_PATH": str(folder)}
    )


def shopdb(app: Flask, *args: str) -> None:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    if result.exit_code != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed:\n{result.output}")


def build(folder: Path, url: str, count: int) -> tuple[Flask, dict[str, str]]:
    first = start(folder, url)
    for args in (("db", "upgrade"), ("seed",), ("plugin", "install", PLUGIN)):
        shopdb(first, *args)
    get_database(first).dispose()
    app = start(folder, url)  # plugins load when ShopDB starts
    today = date.today()
    with app.app_context():
        session = get_session()
        typeid = session.scalar(
            select(AssetType.assettypeid).where(AssetType.assettype == PLUGIN[:-1])
        )
        statusid = session.scalar(
            select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == "active")
        )
        for start_at in range(0, count, BATCH):
            numbers = range(start_at, min(start_at + BATCH, count))
            session.execute(
                insert(Asset),
                [
                    {
                        "assetnumber": f"BENCH-{n:06d}",
                        "name": f"Gauge {n}",
                        "assettypeid": typeid,
                        "assetstatusid": statusid,
                        "isactive": True,
                    }
                    for n in numbers
                ],
            )
            ids = dict(
                session.execute(
                    select(Asset.assetnumber, Asset.assetid).where(
                        Asset.assetnumber.in_([f"BENCH-{n:06d}" for n in numbers])
                    )
                ).all()
            )
            session.execute(
                insert(MeasuringTool),
                [
                    {"assetid": ids[f"BENCH-{n:06d}"], "calibrationintervaldays": 365}
                    for n in numbers
                ],
            )
            records = []
            for n in numbers:
                # Every fifth overdue, every seventh due soon, every 50th failed.
                last = today - timedelta(
                    days=365 + 10 if n % 5 == 0 else 365 - 10 if n % 7 == 0 else n % 300
                )
                for step in (2, 1, 0):
                    records.append(
                        {
                            "assetid": ids[f"BENCH-{n:06d}"],
                            "calibrationdate": last - timedelta(days=365 * step),
                            "result": "pass",
                            "performedby": "inhouse",
                        }
                    )
                if n % 50 == 1:
                    records.append(
                        {
                            "assetid": ids[f"BENCH-{n:06d}"],
                            "calibrationdate": today - timedelta(days=1),
                            "result": "fail",
                            "performedby": "inhouse",
                        }
                    )
            session.execute(insert(Calibration), records)
        admin = users.create_user(session, "benchadmin", "bench-passphrase-123", "admin")
        session.commit()
        token = create_access_token(identity=str(admin.userid))
    return app, {"Authorization": f"Bearer {token}"}


def total(app: Flask, headers: dict[str, str], url: str) -> str:
    """The list's total, or '-' for a reply that is not a list."""
    body = app.test_client().get(url, headers=headers).get_json()
    return str(body.get("meta", {}).get("pagination", {}).get("total", "-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", default="", help="an empty database (default: SQLite)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        app, headers = build(Path(folder), url, options.instruments)
        print(
            f"{options.instruments} instruments on {get_database(app).engine.dialect.name}, "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        print(f"{'request':<62} {'statements':>10} {'ms':>8} {'total':>7}")
        for url_path in (
            "/api/measuringtools?perpage=50",
            "/api/measuringtools?calibrationstate=overdue&perpage=50",
            "/api/measuringtools?calibrationstate=duesoon&sort=nextduedate",
            "/api/measuringtools?calibrationstate=outofservice&perpage=500",
            "/api/vendors",
            "/api/measuringtools/summary",
            "/api/measuringtools/report?days=30",
        ):
            statements, mean = measure(app, headers, url_path, options.repeat)
            listed = total(app, headers, url_path)
            print(f"{url_path:<62} {statements:>10} {mean:>8.1f} {listed:>7}")
        get_database(app).dispose()


if __name__ == "__main__":
    main()
