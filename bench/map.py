"""The floor map request over real HTTP: one plan with 5,000 placed assets.

    .venv/bin/python bench/map.py [--assets 5000] [--folder bench-map] [--requests 30]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/map.py

Builds a site with the project's own commands and bulk write path (as
bench/site.py does): one hall with a floor plan and 20 bays placed on it;
40% machines with positions of their own, 40% PCs without one, each
controlling a machine (rule `related`), 20% printers placed by their bay
(rule `location`). Then serves it with gunicorn (3 workers x 3 threads, the
shipped config), signs in and prints p50, p95 and max of
`GET /api/locations/<hall>/map` over --requests requests per repeat (3
repeats, one keep-alive client), the reply's size, and the SQL statements
one request sends, for the hall and for one bay (a tenth of the assets): the
same count, whatever the number of assets. The goal is p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import http_table  # noqa: E402

benchsite = http_table.benchsite
BAYS = 20
WIDTH, HEIGHT = 4000, 3000
GOAL_P95_MS = 150


def build(assets: int, chunk: int) -> tuple[int, int]:
    """The hall, its bays and assets through the write path; (hall, a bay)."""
    from flask import current_app

    from shopdb.bundled.computers.models import ComputerType
    from shopdb.bundled.equipment.models import EquipmentType
    from shopdb.bundled.printers.models import PrinterType
    from shopdb.cli.support import cli_actor
    from shopdb.database import get_session
    from shopdb.models import LocationType, RelationshipType
    from shopdb.resources.registry import RESOURCES_KEY

    session = get_session()
    writer = benchsite.Writer(session, current_app.extensions[RESOURCES_KEY], cli_actor(), chunk)
    kinds = benchsite.ids(session, LocationType, "locationtype")
    (hall,) = writer.save(
        "locations",
        [
            {
                "name": "Map Hall",
                "locationtypeid": kinds["building"],
                "floorplanimage": "floorplans/bench-hall.svg",
                "floorplanwidth": WIDTH,
                "floorplanheight": HEIGHT,
            }
        ],
    )
    bays = writer.save(
        "locations",
        [
            {
                "name": f"Map Bay {n + 1:02d}",
                "locationtypeid": kinds["bay"],
                "parentlocationid": hall,
                "mapx": 200 + (n % 5) * 800,
                "mapy": 300 + (n // 5) * 700,
            }
            for n in range(BAYS)
        ],
    )
    machines_count = int(assets * 0.4)
    pcs_count = int(assets * 0.4)
    printers_count = assets - machines_count - pcs_count

    def bay(n: int) -> int:
        return bays[n % BAYS]

    def spot(n: int) -> tuple[float, float]:
        inside = n // BAYS
        return (
            float(200 + (n % BAYS % 5) * 800 + inside % 20 * 15),
            float(300 + (n % BAYS // 5) * 700 + inside // 20 * 15),
        )

    equipmenttypes = list(benchsite.ids(session, EquipmentType, "equipmenttype").values())
    computertypes = list(benchsite.ids(session, ComputerType, "computertype").values())
    printertypes = list(benchsite.ids(session, PrinterType, "printertype").values())
    machines = writer.save(
        "equipment",
        [
            {
                "machinenumber": f"MAP{n:06d}",
                "name": f"Machine {n}",
                "locationid": bay(n),
                "mapx": spot(n)[0],
                "mapy": spot(n)[1],
                "equipmenttypeid": equipmenttypes[n % len(equipmenttypes)],
            }
            for n in range(machines_count)
        ],
    )
    pcs = writer.save(
        "computers",
        [
            {
                "hostname": f"MAPPC{n:06d}",
                "locationid": bay(n),
                "computertypeid": computertypes[n % len(computertypes)],
            }
            for n in range(pcs_count)
        ],
    )
    writer.save(
        "printers",
        [
            {
                "hostname": f"mapprn{n:06d}",
                "locationid": bay(n),
                "printertypeid": printertypes[n % len(printertypes)],
            }
            for n in range(printers_count)
        ],
    )
    controls = benchsite.ids(session, RelationshipType, "relationshiptype")["controls"]
    writer.save(
        "assetrelationships",
        [
            {"sourceassetid": pc, "targetassetid": machines[n], "relationshiptypeid": controls}
            for n, pc in enumerate(pcs)
        ],
    )
    return hall, bays[0]


def statements(app: Any, path: str) -> tuple[int, Any]:
    """The statements one request for `path` sends, in process, as the admin."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import select

    from shopdb.database import get_database, get_session
    from shopdb.models import User
    from shopdb.testing.databases import count_queries

    with app.app_context():
        user = get_session().scalar(select(User).where(User.username == benchsite.ADMIN[0]))
        token = create_access_token(identity=str(user.userid))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers)  # the first request of a process sets things up
    with count_queries(get_database(app).engine) as counter:
        reply = client.get(path, headers=headers)
    assert reply.status_code == 200, reply.data[:300]
    return counter.count, reply.get_json()["data"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--folder", type=Path, default=Path("bench-map"))
    parser.add_argument("--requests", type=int, default=30, help="per repeat")
    options = parser.parse_args()
    folder = options.folder.resolve()
    env = benchsite.fresh_environment(folder)
    began = time.perf_counter()
    benchsite.prepare(env)
    os.environ.update(env)
    from shopdb.app import create_app

    app = create_app()
    with app.app_context():
        hall, bay = build(options.assets, options.chunk)
    benchsite.analyze(env["DATABASE_URL"])
    print(
        f"site built in {time.perf_counter() - began:.1f} s on {env['DATABASE_URL'].split(':')[0]}"
    )
    path = f"/api/locations/{hall}/map"
    count, data = statements(app, path)
    bay_count, bay_data = statements(app, f"/api/locations/{bay}/map")
    rules: dict[Any, int] = {}
    for asset in data["assets"]:
        rules[asset["rule"]] = rules.get(asset["rule"], 0) + 1
    mix = ", ".join(f"{rule} {count}" for rule, count in sorted(rules.items(), key=str))
    print(f"map of the hall: {len(data['assets'])} assets ({mix}), {count} statements")
    print(f"map of one bay: {len(bay_data['assets'])} assets, {bay_count} statements")
    server, port = http_table.start(env, folder)
    try:
        client = http_table.Client(port)
        user, password = benchsite.ADMIN
        reply = client.call("POST", "/api/auth/login", {"username": user, "password": password})
        client.headers["Authorization"] = f"Bearer {reply['data']['accesstoken']}"
        client.call("GET", path)  # each worker's first request sets things up
        samples: list[float] = []
        each = []
        for _repeat in range(http_table.REPEATS):
            taken = [client.timed("GET", path)[0] for _ in range(options.requests)]
            samples += taken
            each.append(http_table.percentiles(taken)[1])
        p50, p95 = http_table.percentiles(samples)
        size = len(http_table.json.dumps(client.call("GET", path)))
    finally:
        http_table.stop(server)
    verdict = "meets" if p95 <= GOAL_P95_MS else "MISSES"
    print(
        f"GET {path} over HTTP: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(samples):.1f} ms "
        f"({len(samples)} requests; repeats' p95 {'/'.join(f'{x:.0f}' for x in each)}); "
        f"reply {size // 1024} KiB; {verdict} the goal p95 <= {GOAL_P95_MS} ms"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
