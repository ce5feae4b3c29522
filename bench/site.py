"""Build a big bench site through ShopDB's own bulk write path.

    .venv/bin/python bench/site.py --assets 100000 [--folder bench-site] [--chunk 500]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/site.py --assets 20000

The mix is the performance issue's: 40% computers, 30% machines (equipment),
20% network devices, 10% others (printers), and half as many relationships
as assets (each shop-floor PC controls a machine, devices connect to a
switch). Every record goes through `Resource.save_many` inside one
`unit_of_work` per chunk, audited as the command-line account, exactly as
an import or a collector batch writes; nothing is inserted behind the write
path's back, so the time printed is the bulk path's own.

The database is `DATABASE_URL` when set (an empty database: the site's
names would clash with an earlier run's), else a SQLite file in --folder
(made empty first). The site gets a bench admin (`benchadmin`, password
`bench-passphrase-123`) for bench/http_table.py. Progress and the rate in
records per second are printed per chunk.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# The repository root, for shopdb from a checkout without installing.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PLUGINS = ("computers", "equipment", "network", "printers")
ADMIN = ("benchadmin", "bench-passphrase-123")
# Shares of the mix (40k/30k/20k/10k of 100k), and relationships per asset.
MIX = (("computers", 0.4), ("equipment", 0.3), ("networkdevices", 0.2), ("printers", 0.1))
RELATIONSHIPS_PER_ASSET = 0.5
BUILDINGS = 4
BAYS_PER_BUILDING = 10


def site_environment(folder: Path, url: str | None) -> dict[str, str]:
    """The environment of every ShopDB process of the bench site."""
    return {
        **os.environ,
        "SHOPDB_ENV": "development",
        "SHOPDB_LOG_LEVEL": "WARNING",
        "SHOPDB_INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": url or f"sqlite:///{folder / 'shopdb.db'}",
    }


def fresh_environment(folder: Path) -> dict[str, str]:
    """The environment of a new site in `folder` (made empty: its SQLite
    file removed) or on DATABASE_URL (which must name an empty database)."""
    folder.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL")
    if url is None:
        for name in ("shopdb.db", "shopdb.db-wal", "shopdb.db-shm"):
            (folder / name).unlink(missing_ok=True)
    return site_environment(folder, url)


def shopdb(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    command = [sys.executable, "-c", "from shopdb.console import main; main()", *args]
    result = subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed: {result.stderr or result.stdout}")
    return result.stdout


def prepare(env: dict[str, str]) -> None:
    """Schema, seeds, the plugins of the mix and the bench admin, with the
    project's own commands."""
    shopdb(env, "db", "upgrade")
    shopdb(env, "seed")
    for name in PLUGINS:
        shopdb(env, "plugin", "install", name)
    shopdb(env, "user", "create", ADMIN[0], "--role", "admin", "--password-stdin", stdin=ADMIN[1])


class Writer:
    """Saves chunks of one resource's records in one unit of work each,
    printing progress and the running rate."""

    def __init__(self, session: Any, resources: dict[str, Any], actor: Any, chunk: int) -> None:
        self.session = session
        self.resources = resources
        self.actor = actor
        self.chunk = chunk
        self.written = 0
        self.seconds = 0.0

    def save(self, name: str, records: list[dict[str, Any]]) -> list[Any]:
        from shopdb.resources.definition import Saved
        from shopdb.services.unitofwork import unit_of_work

        resource = self.resources[name]
        saved: list[Any] = []
        began = time.perf_counter()
        for start in range(0, len(records), self.chunk):
            part = records[start : start + self.chunk]
            with unit_of_work(self.session, self.actor):
                results = resource.save_many(
                    self.session, [(record, None) for record in part], actor=self.actor
                )
                failed = [result for result in results if not isinstance(result, Saved)]
                if failed:
                    raise SystemExit(f"{name}: {len(failed)} records refused: {failed[0]}")
                saved.extend(getattr(result.record, resource.primary_key) for result in results)
            self.session.expunge_all()  # what a chunk loaded is not needed again
            elapsed = time.perf_counter() - began
            done = start + len(part)
            print(
                f"  {name}: {done}/{len(records)} in {elapsed:.1f} s ({done / elapsed:.0f}/s)",
                flush=True,
            )
        spent = time.perf_counter() - began
        self.written += len(records)
        self.seconds += spent
        return saved


def ids(session: Any, model: Any, column: str) -> dict[str, int]:
    from sqlalchemy import select

    key = model.__mapper__.primary_key[0]
    return {name: key for name, key in session.execute(select(getattr(model, column), key))}


def build(assets: int, chunk: int) -> None:
    """Locations, assets and relationships, in the running app's context."""
    from flask import current_app

    from shopdb.bundled.computers.models import ComputerType
    from shopdb.bundled.equipment.models import EquipmentType
    from shopdb.bundled.network.models import NetworkDeviceType
    from shopdb.bundled.printers.models import PrinterType
    from shopdb.cli.support import cli_actor
    from shopdb.database import get_session
    from shopdb.models import LocationType, RelationshipType
    from shopdb.resources.registry import RESOURCES_KEY

    session = get_session()
    resources = current_app.extensions[RESOURCES_KEY]
    writer = Writer(session, resources, cli_actor(), chunk)
    kinds = ids(session, LocationType, "locationtype")
    (site,) = writer.save("locations", [{"name": "Bench Site", "locationtypeid": kinds["site"]}])
    buildings = writer.save(
        "locations",
        [
            {
                "name": f"Building {n + 1}",
                "locationtypeid": kinds["building"],
                "parentlocationid": site,
            }
            for n in range(BUILDINGS)
        ],
    )
    bays = writer.save(
        "locations",
        [
            {
                "name": f"Bay {b + 1}-{n + 1:02d}",
                "locationtypeid": kinds["bay"],
                "parentlocationid": building,
            }
            for b, building in enumerate(buildings)
            for n in range(BAYS_PER_BUILDING)
        ],
    )
    counts = {name: int(assets * share) for name, share in MIX}
    counts["computers"] += assets - sum(counts.values())
    computertypes = list(ids(session, ComputerType, "computertype").values())
    equipmenttypes = list(ids(session, EquipmentType, "equipmenttype").values())
    devicetypes = ids(session, NetworkDeviceType, "networkdevicetype")
    printertypes = list(ids(session, PrinterType, "printertype").values())

    def bay(n: int) -> int:
        return bays[n % len(bays)]

    def address(n: int, network: int) -> str:
        return f"10.{network}.{n >> 8 & 255}.{n & 255}"

    def mac(n: int, prefix: int) -> str:
        return f"02:{prefix:02x}:00:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}"

    began = time.perf_counter()
    machines = writer.save(
        "equipment",
        [
            {
                "machinenumber": f"M{n:06d}",
                "name": f"Machine {n}",
                "locationid": bay(n),
                "serialnumber": f"MSN{n:07d}",
                "equipmenttypeid": equipmenttypes[n % len(equipmenttypes)],
                "axiscount": 3 + n % 3,
                "spindlecount": 1 + n % 2,
            }
            for n in range(counts["equipment"])
        ],
    )
    computers = writer.save(
        "computers",
        [
            {
                "hostname": f"PC{n:06d}",
                "locationid": bay(n),
                "serialnumber": f"PSN{n:07d}",
                "computertypeid": computertypes[n % len(computertypes)],
                "loggedinuser": f"SHOP\\op{n % 200}",
                "cpu": "Intel Core i5-13500",
                "memorymb": 16384,
                "diskgb": 512,
            }
            for n in range(counts["computers"])
        ],
    )
    switches = max(1, counts["networkdevices"] // 20)
    devices = writer.save(
        "networkdevices",
        [
            {
                "hostname": f"net{n:06d}",
                "locationid": bay(n),
                "ipaddress": address(n, 20),
                "macaddress": mac(n, 0xA0),
                "networkdevicetypeid": devicetypes["switch" if n < switches else "camera"],
                "vlan": 10 + n % 40,
            }
            for n in range(counts["networkdevices"])
        ],
    )
    writer.save(
        "printers",
        [
            {
                "hostname": f"prn{n:06d}",
                "locationid": bay(n),
                "ipaddress": address(n, 30),
                "printertypeid": printertypes[n % len(printertypes)],
            }
            for n in range(counts["printers"])
        ],
    )
    types = ids(session, RelationshipType, "relationshiptype")
    wanted = int(assets * RELATIONSHIPS_PER_ASSET)
    edges: list[dict[str, Any]] = []
    for n, pc in enumerate(computers[: min(len(machines), wanted)]):
        edges.append(
            {
                "sourceassetid": pc,
                "targetassetid": machines[n],
                "relationshiptypeid": types["controls"],
            }
        )
    for n, device in enumerate(devices[switches:]):
        if len(edges) >= wanted:
            break
        edges.append(
            {
                "sourceassetid": device,
                "targetassetid": devices[n % switches],
                "relationshiptypeid": types["connectedto"],
            }
        )
    n = 0
    while len(edges) < wanted and n + 1 < len(computers):  # a small site: PCs connect on
        edges.append(
            {
                "sourceassetid": computers[n],
                "targetassetid": devices[n % switches],
                "relationshiptypeid": types["connectedto"],
            }
        )
        n += 1
    writer.save("assetrelationships", edges)
    elapsed = time.perf_counter() - began
    total = sum(counts.values()) + len(edges)
    print(
        f"built {sum(counts.values())} assets ({', '.join(f'{k} {v}' for k, v in counts.items())}) "
        f"and {len(edges)} relationships in {elapsed:.1f} s: {total / elapsed:.0f} records/s "
        f"through Resource.save_many, chunks of {chunk}"
    )


def analyze(url: str) -> None:
    """Fresh planner statistics after the big import (`shopdb.database.analyze`)."""
    from sqlalchemy import create_engine

    from shopdb.database import analyze as refresh

    engine = create_engine(url)
    try:
        refresh(engine, vacuum=True)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--folder", type=Path, default=Path("bench-site"))
    options = parser.parse_args()
    folder = options.folder.resolve()
    env = fresh_environment(folder)
    began = time.perf_counter()
    prepare(env)
    print(f"schema, seeds, plugins {', '.join(PLUGINS)}: {time.perf_counter() - began:.1f} s")
    os.environ.update(env)
    from shopdb.app import create_app

    app = create_app()
    with app.app_context():
        build(options.assets, options.chunk)
    analyze(env["DATABASE_URL"])
    print(
        f"site ready: DATABASE_URL={env['DATABASE_URL']} SHOPDB_INSTANCE_PATH={folder / 'instance'}"
    )


if __name__ == "__main__":
    main()
