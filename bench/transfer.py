"""Export, import and global search on a large site.

    .venv/bin/python bench/transfer.py [--assets 100000] [--postgresql URL]
        [--no-import] [--no-sqlite] [--no-export] [--rounds 60] [--keep]

Builds a throw-away site (SQLite; with --postgresql a new database on that
server, created and dropped here) with the computers plugin and ASSETS
computers bulk-inserted below the write path (asset, computer row, one
interface each), then prints:

- export: seconds to write `shopdb export assets` and `shopdb export
  computers` (CSV) and `assets` as XLSX, in this process;
- import: the computers CSV imported into an empty site (`import_file`,
  the write path), rows per second, then the same file again (all unchanged);
- search rebuild: `shopdb search rebuild` over the bulk-inserted rows;
- search: p50/p95 of GET /api/search?q=, /api/computers?q= and
  /api/assets?q= over a mix of identities, prefixes, a word in every name
  and a number inside values, and the statements per request.

`--keep` leaves the PostgreSQL database in place (its URL is printed) for
EXPLAIN ANALYZE of the statements; drop it yourself afterwards.

Goals at 100,000 assets: export <= 5 s; import <= 10 s on SQLite; search and
list q p95 <= 50 ms on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from shopdb.app import create_app
from shopdb.console import cli
from shopdb.database import build_engine, get_database, get_session
from shopdb.models import Asset, AssetStatus, AssetType, Base
from shopdb.testing.clients import make_callers
from shopdb.testing.databases import count_queries

CHUNK = 5000


def config(url: str, folder: Path) -> dict[str, str]:
    return {"SHOPDB_ENV": "testing", "DATABASE_URL": url, "SHOPDB_INSTANCE_PATH": str(folder)}


def command(app: Flask, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
    if result.exit_code != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed: {result.output}")
    return result.output


def site(url: str, folder: Path) -> Flask:
    first = create_app(config(url, folder))
    for args in (("db", "upgrade"), ("seed",), ("plugin", "install", "computers")):
        command(first, *args)
    get_database(first).dispose()
    return create_app(config(url, folder))


def fill(app: Flask, count: int) -> None:
    """`count` computers, below the write path (setup only)."""
    tables = Base.metadata.tables
    computers, interfaces = tables["computers"], tables["computerinterfaces"]
    engine = get_database(app).engine
    with engine.begin() as connection:
        typeid = connection.scalar(
            select(AssetType.assettypeid).where(AssetType.assettype == "computer")
        )
        statusid = connection.scalar(select(AssetStatus.assetstatusid).limit(1))
        first = (connection.scalar(text("select max(assetid) from assets")) or 0) + 1
        for start in range(0, count, CHUNK):
            numbers = range(start, min(start + CHUNK, count))
            connection.execute(
                insert(Asset.__table__),
                [
                    {
                        "assetid": first + n,
                        "assetnumber": f"PC-{n:06d}",
                        "name": f"Bench PC {n} DMU line {n % 97}",
                        "assettypeid": typeid,
                        "assetstatusid": statusid,
                        "serialnumber": f"SN{n:08d}",
                        "isactive": True,
                    }
                    for n in numbers
                ],
            )
            connection.execute(
                insert(computers),
                [
                    {"assetid": first + n, "hostname": f"pc-{n:06d}", "memorymb": 16384}
                    for n in numbers
                ],
            )
            connection.execute(
                insert(interfaces),
                [
                    {
                        "assetid": first + n,
                        "name": "Ethernet",
                        "macaddress": "02:5e:" + ":".join(f"{b:02x}" for b in n.to_bytes(4)),
                        "ipaddress": f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}",
                    }
                    for n in numbers
                ],
            )


def timed_export(app: Flask, resource: str, target: Path) -> float:
    start = time.perf_counter()
    command(app, "export", resource, "-o", str(target))
    return time.perf_counter() - start


def search_queries(count: int, rounds: int) -> list[str]:
    rng = random.Random(7)
    queries = []
    for _ in range(rounds):
        n = rng.randrange(count)
        queries += [
            f"PC-{n:06d}",  # asset number (identity)
            f"pc-{n:06d}.plant1.local",  # hostname with its domain
            "02-5E-" + "-".join(f"{b:02X}" for b in n.to_bytes(4)),  # MAC, other spelling
            f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}",  # IP
            f"pc-{n // 10:05d}",  # a prefix
            "DMU",  # a word in every name
            f"{n}",  # a number inside the asset number, hostname and name
        ]
    return queries


def timed_requests(app: Flask, path: str, queries: list[str], label: str) -> None:
    """p50/p95 of GET path?q= over the queries, and the statements per request."""
    admin = make_callers(app)["admin"]
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    engine = get_database(app).engine
    statements = set()
    for q in queries:
        admin = make_callers(app)["admin"]  # a fresh token: a slow run outlives one
        with count_queries(engine) as counted:
            start, started = time.perf_counter(), time.process_time()
            response = admin.get(path, query_string={"q": q})
            elapsed = (time.perf_counter() - start) * 1000
            used = (time.process_time() - started) * 1000
        assert response.status_code == 200, response.get_json()
        statements.add(counted.count)
        kind = "DMU" if q == "DMU" else "number" if q.isdigit() else "identity/prefix"
        for each in ("all", kind):
            times.setdefault(each, []).append(elapsed)
            cpu.setdefault(each, []).append(used)
    for kind, found in times.items():
        found.sort()
        p95 = found[max(int(len(found) * 0.95) - 1, 0)]
        spent = sorted(cpu[kind])
        print(
            f"{label} [{kind}]: {len(found)} requests, best {found[0]:.1f} ms, "
            f"p50 {statistics.median(found):.1f} ms, "
            f"p95 {p95:.1f} ms, max {found[-1]:.1f} ms (CPU of this process, the database "
            f"included on SQLite: p50 {statistics.median(spent):.1f} ms, "
            f"p95 {spent[max(int(len(spent) * 0.95) - 1, 0)]:.1f} ms)"
            + (f", statements per request {sorted(statements)}" if kind == "all" else "")
        )


def search_figures(app: Flask, count: int, rounds: int) -> None:
    queries = search_queries(count, rounds)
    timed_requests(app, "/api/search", queries, "search /api/search")
    timed_requests(app, "/api/computers", queries, "list /api/computers?q=")
    timed_requests(app, "/api/assets", queries, "list /api/assets?q=")
    sys.stdout.flush()


def timed_rebuild(app: Flask, count: int, kind: str) -> None:
    start = time.perf_counter()
    output = command(app, "search", "rebuild")
    seconds = time.perf_counter() - start
    print(f"search rebuild {kind}: {count} computers in {seconds:.2f} s: {output.strip()}")


def run(url: str, folder: Path, count: int, rounds: int, exports: bool = True) -> None:
    kind = make_url(url).get_backend_name()
    source = site(url, folder)
    fill(source, count)
    timed_rebuild(source, count, kind)  # the rows were written below the write path
    with source.app_context():
        for resource in ("assets", "computers") if exports else ():
            seconds = timed_export(source, resource, folder / f"{resource}.csv")
            print(f"export {kind}: {count} {resource} as CSV in {seconds:.2f} s")
        if exports:
            seconds = timed_export(source, "assets", folder / "assets.xlsx")
            print(f"export {kind}: {count} assets as XLSX in {seconds:.2f} s")
        else:
            timed_export(source, "computers", folder / "computers.csv")  # the import's file
    search_figures(source, count, rounds)
    get_database(source).dispose()


def import_figures(url: str, folder: Path, csvfile: Path, count: int) -> None:
    from shopdb.resources.registry import RESOURCES_KEY
    from shopdb.resources.transfer.importing import import_file
    from shopdb.services.actor import command_actor

    target = site(url, folder)
    with target.app_context():
        resources = target.extensions[RESOURCES_KEY]
        for label in ("new", "again (unchanged)"):
            start, started = time.perf_counter(), time.process_time()
            with csvfile.open("rb") as stream:
                report = import_file(
                    resources["computers"],
                    get_session(),
                    stream,
                    csvfile.name,
                    command_actor("bench"),
                    resources=resources,
                )
            seconds = time.perf_counter() - start
            used = time.process_time() - started
            print(
                f"import {make_url(url).get_backend_name()} {label}: {count} computers in "
                f"{seconds:.2f} s ({count / seconds:.0f} rows/s; CPU {used:.2f} s), "
                f"{report.counts}"
            )
    get_database(target).dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--postgresql", help="also run on a new database on this server")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--rounds", type=int, default=60, help="queries of each kind")
    parser.add_argument("--no-sqlite", action="store_true", help="only the --postgresql run")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL database (for EXPLAIN); prints it"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if not args.no_sqlite:
            url = f"sqlite:///{folder}/bench.db"
            run(url, folder, args.assets, args.rounds, not args.no_export)
        if not args.no_import and not args.no_sqlite:
            empty = folder / "empty"
            empty.mkdir()
            import_figures(
                f"sqlite:///{empty}/bench.db", empty, folder / "computers.csv", args.assets
            )
        if args.postgresql:
            server = make_url(args.postgresql)
            database = f"shopdb_bench_{uuid.uuid4().hex[:8]}"
            admin = build_engine(server.render_as_string(hide_password=False))
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"CREATE DATABASE {database}"))
            try:
                url = server.set(database=database).render_as_string(hide_password=False)
                pg = folder / "pg"
                pg.mkdir()
                run(url, pg, args.assets, args.rounds, not args.no_export)
            finally:
                if args.keep:
                    kept = server.set(database=database)
                    print(f"kept: {kept.render_as_string(hide_password=False)}")
                else:
                    with admin.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    ) as connection:
                        connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                admin.dispose()


if __name__ == "__main__":
    main()
