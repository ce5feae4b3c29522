"""Query counts and timings of the main API reads on the demo site.

    .venv/bin/python bench/api_queries.py [--repeat 50]

Builds a throw-away SQLite database with the demo site (about 300 assets; the
plugins that own its asset types are installed first, as `make run` does),
signs in as an admin and prints, for the asset list and the asset detail, the
number of SQL statements per request and the mean time per request (in
process, no network). A list page must not cost one query per row.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask_jwt_extended import create_access_token
from sqlalchemy import event, func, select

from shopdb.app import create_app
from shopdb.console import cli
from shopdb.database import get_database, get_session
from shopdb.models import Asset, AssetRelationship
from shopdb.services import migrations, users
from shopdb.services.demo import seed_demo_data
from shopdb.services.seeds import seed_reference_data

# The bundled plugins that register the asset types the demo plans.
TYPE_PLUGINS = ("computers", "equipment", "network", "measuringtools", "printers", "usb")


def build(folder: Path):
    app = create_app(
        {
            "SHOPDB_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "SHOPDB_INSTANCE_PATH": str(folder),
        }
    )
    migrations.upgrade(get_database(app).engine)
    installed = CliRunner().invoke(
        cli, ["plugin", "install", *TYPE_PLUGINS], obj=ScriptInfo(create_app=lambda: app)
    )
    if installed.exit_code != 0:
        raise SystemExit(f"shopdb plugin install failed: {installed.output}")
    with app.app_context():
        session = get_session()
        seed_reference_data(session)
        seed_demo_data(session)
        admin = users.create_user(session, "benchadmin", "bench-passphrase-123", "admin")
        session.commit()
        token = create_access_token(identity=str(admin.userid))
        # The asset with the most relationships, and no position of its own:
        # the costliest detail page.
        busiest = session.scalar(
            select(AssetRelationship.sourceassetid)
            .join(Asset, Asset.assetid == AssetRelationship.sourceassetid)
            .where(Asset.mapx.is_(None))
            .group_by(AssetRelationship.sourceassetid)
            .order_by(func.count().desc(), AssetRelationship.sourceassetid)
            .limit(1)
        )
    return app, {"Authorization": f"Bearer {token}"}, busiest


def measure(app, headers, url: str, repeat: int) -> tuple[int, float]:
    client = app.test_client()
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    engine = get_database(app).engine
    client.get(url, headers=headers)  # warm caches
    event.listen(engine, "before_cursor_execute", count)
    response = client.get(url, headers=headers)
    event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    return len(statements), statistics.mean(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, headers, assetid = build(Path(folder))
        rows = [
            ("asset list, 50 per page", "/api/assets?perpage=50"),
            ("asset list, 500 per page", "/api/assets?perpage=500"),
            ("asset list, search q=DMU", "/api/assets?q=DMU&perpage=50"),
            (f"asset detail (asset {assetid})", f"/api/assets/{assetid}"),
            ("location tree", "/api/locations/tree"),
        ]
        print(f"{'request':<34} {'queries':>7} {'mean ms':>8}")
        for label, url in rows:
            queries, mean = measure(app, headers, url, options.repeat)
            print(f"{label:<34} {queries:>7} {mean:>8.1f}")
        get_database(app).dispose()


if __name__ == "__main__":
    main()
