"""Backup and restore time, archive size and memory on a large site.

    .venv/bin/python bench/backup_restore.py [--assets 100000]
        [--postgresql postgresql+psycopg://user:password@host:5433/anydb]

Builds a throw-away SQLite site (the demo site, the bundled plugins, then
bulk-inserted assets with a computer row for every third one, a relationship
for every second and an audit entry for each) and runs the real commands in
child processes: `shopdb backup`, then `shopdb restore` into a new SQLite
database; with --postgresql, also restore into and back up from a new
database on that server (created and dropped here). Prints seconds, archive
size and the peak memory (RSS) of each command. Goals at 100,000 assets:
backup <= 20 s and restore <= 60 s on SQLite, PostgreSQL within twice that.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from shopdb.app import create_app
from shopdb.console import cli
from shopdb.database import build_engine, get_database
from shopdb.models import (
    Asset,
    AssetRelationship,
    AssetStatus,
    AssetType,
    AuditLog,
    Base,
    RelationshipType,
)

SHOPDB = Path(sys.executable).parent / "shopdb"
CHUNK = 5000


def config(url: str, folder: Path) -> dict[str, str]:
    return {"SHOPDB_ENV": "testing", "DATABASE_URL": url, "SHOPDB_INSTANCE_PATH": str(folder)}


def command(app, *args: str) -> None:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    if result.exit_code != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed: {result.output}")


def build_site(folder: Path, assets: int) -> str:
    url = f"sqlite:///{folder / 'shopdb.db'}"
    app = create_app(config(url, folder))
    for args in (("db", "upgrade"), ("seed",)):
        command(app, *args)
    command(app, "plugin", "install", "computers", "equipment", "network")
    app = create_app(config(url, folder))
    command(app, "seed", "--demo")
    computers = Base.metadata.tables["computers"]
    engine = get_database(app).engine
    with engine.begin() as connection:
        status = connection.scalar(select(AssetStatus.assetstatusid).limit(1))
        kind = connection.scalar(
            select(AssetType.assettypeid).where(AssetType.assettype == "computer")
        )
        partof = connection.scalar(
            select(RelationshipType.relationshiptypeid).where(
                RelationshipType.relationshiptype == "partof"
            )
        )
        first = (connection.scalar(select(func.max(Asset.assetid))) or 0) + 1
        now = datetime(2026, 12, 1, 8, 30, 15, 123456)
        for start in range(first, first + assets, CHUNK):
            ids = range(start, min(start + CHUNK, first + assets))
            connection.execute(
                insert(Asset),
                [
                    {
                        "assetid": i,
                        "assetnumber": f"B{i:07d}",
                        "name": f"Bench asset {i}",
                        "assettypeid": kind,
                        "assetstatusid": status,
                        "serialnumber": f"SN-{i:09d}",
                        "mapx": i % 997 / 3,
                        "mapy": i % 991 / 7,
                        "notes": "Bulk-inserted for the backup bench." if i % 5 == 0 else None,
                        "isactive": True,
                        "createdat": now,
                        "modifiedat": now,
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(computers),
                [
                    {"assetid": i, "hostname": f"BENCH{i:07d}", "memorymb": 16384}
                    for i in ids
                    if i % 3 == 0
                ],
            )
            connection.execute(
                insert(AssetRelationship),
                [
                    {
                        "sourceassetid": i,
                        "targetassetid": i - 1,
                        "relationshiptypeid": partof,
                        "inheritsposition": True,
                        "isactive": True,
                        "createdat": now,
                        "modifiedat": now,
                    }
                    for i in ids
                    if i % 2 == 0
                ],
            )
            connection.execute(
                insert(AuditLog),
                [
                    {
                        "username": "bench",
                        "action": "create",
                        "entitytype": "assets",
                        "entityid": str(i),
                        "changes": {"assetnumber": [None, f"B{i:07d}"]},
                        "createdat": now,
                        "modifiedat": now,
                    }
                    for i in ids
                ],
            )
    get_database(app).dispose()
    return url


def timed(url: str, folder: Path, *args: str) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of one `shopdb` command in a child process."""
    env = {**os.environ, **config(url, folder)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(
        [str(SHOPDB), *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed: {result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024


def server_database(base: str, name: str, create: bool) -> str:
    admin = build_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--postgresql", default="", help="a PostgreSQL URL to bench on too")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopdb-bench-") as work:
        work_path = Path(work)
        source = work_path / "source"
        source.mkdir()
        started = time.perf_counter()
        url = build_site(source, options.assets)
        took = time.perf_counter() - started
        print(f"Built a site with {options.assets} bench assets in {took:.1f} s")
        archive = work_path / "site.zip"
        backup("SQLite", url, source, archive)
        target = work_path / "target"
        target.mkdir()
        restore("SQLite", f"sqlite:///{target / 'shopdb.db'}", target, archive)
        if options.postgresql:
            name = f"shopdb_bench_{uuid.uuid4().hex[:8]}"
            server = server_database(options.postgresql, name, create=True)
            try:
                folder = work_path / "postgresql"
                folder.mkdir()
                restore("PostgreSQL", server, folder, archive)
                backup("PostgreSQL", server, folder, work_path / "postgresql.zip")
            finally:
                server_database(options.postgresql, name, create=False)


def backup(label: str, url: str, folder: Path, archive: Path) -> None:
    seconds, peak = timed(url, folder, "backup", str(archive))
    size = archive.stat().st_size / 1024 / 1024
    print(
        f"{label + ' backup:':<20} {seconds:6.1f} s  archive {size:.1f} MiB  peak RSS <= {peak} MiB"
    )


def restore(label: str, url: str, folder: Path, archive: Path) -> None:
    seconds, peak = timed(url, folder, "restore", str(archive))
    print(f"{label + ' restore:':<20} {seconds:6.1f} s  peak RSS <= {peak} MiB")


if __name__ == "__main__":
    main()
