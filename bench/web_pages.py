"""Server time and SQL statements per web UI page on a bench site.

    .venv/bin/python bench/site.py --assets 100000             # once: builds bench-site/
    .venv/bin/python bench/web_pages.py [--folder bench-site] [--requests 40]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/web_pages.py

Opens the site bench/site.py built (the SQLite file in --folder, or
DATABASE_URL) in this process, signs in as the bench admin through the
sign-in page, as a browser does, and asks for each page `--requests` times
(after a warm-up) through Flask's test client: the time is the server's own
(routing, identity, queries, templates), without a network or a browser.
Detail pages go round different records. Printed per page: p50 and p95 in
ms of the wall time and of this process's CPU time, and the SQL statements
one request runs, which do not depend on the machine's load; the list rows
at 25 and 100 records per page show that the statements do not grow with
the page size. The machine's load average is
printed beside the times: on a shared machine they are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

# bench/site.py, loaded by path there (`site` is also a standard module).
from http_table import benchsite  # noqa: E402

# The goal for list and detail pages (issue 13), p95 on SQLite.
GOAL_MS = 100
WARMUP = 3


def sign_in(client: Any) -> None:
    """Through the sign-in page, as a browser does: the page's own token, then
    the form; the tokens come back as cookies."""
    page = client.get("/signin").get_data(True)
    token = re.search(r'name="signin_token" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("The sign-in page has no signin_token field.")
    username, password = benchsite.ADMIN
    reply = client.post(
        "/signin",
        data={"signin_token": token.group(1), "username": username, "password": password},
    )
    if reply.status_code != 303:
        raise SystemExit(f"Signing in as {username} failed: {reply.status_code}")


def some_ids(session: Any, model: Any, count: int) -> list[int]:
    """`count` ids spread over the table (not only the newest rows)."""
    from sqlalchemy import func, select

    key = model.__mapper__.primary_key[0]
    low, high = session.execute(select(func.min(key), func.max(key))).one()
    if low is None:
        raise SystemExit(f"The bench site has no {model.__tablename__}; run bench/site.py.")
    step = max(1, (high - low) // count)
    found = session.scalars(select(key).where(key >= low).where((key - low) % step == 0))
    return list(found)[:count]


def measure(client: Any, engine: Any, urls: list[str]) -> tuple[list[float], list[float], int]:
    """Wall and CPU times in ms of asking for each url in turn (after a
    warm-up), and the statements of the last request. SQLite runs in this
    process, so the CPU time holds the queries too; it does not count the
    time spent waiting for a CPU, which the wall time does on a busy machine."""
    from shopdb.testing.databases import count_queries

    for url in urls[:WARMUP]:
        client.get(url)
    wall, cpu = [], []
    for url in urls:
        began, began_cpu = time.perf_counter(), time.process_time()
        reply = client.get(url)
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"{url}: {reply.status_code} {reply.get_data(True)[:300]}")
    with count_queries(engine) as counter:
        client.get(urls[-1])
    return wall, cpu, counter.count


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("bench-site"))
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()
    folder = options.folder.resolve()
    url = os.environ.get("DATABASE_URL")
    if url is None and not (folder / "shopdb.db").exists():
        raise SystemExit(f"No bench site in {folder}; run bench/site.py --assets 100000 first.")
    os.environ.update(benchsite.site_environment(folder, url))

    from sqlalchemy import func, select

    from shopdb.app import create_app
    from shopdb.bundled.computers.models import Computer
    from shopdb.database import get_database, get_session
    from shopdb.models import Asset

    app = create_app()
    with app.app_context():
        session = get_session()
        assets = session.scalar(select(func.count()).select_from(Asset))
        assetids = some_ids(session, Asset, options.requests)
        computerids = some_ids(session, Computer, options.requests)
        bay = session.scalar(select(Asset.locationid).where(Asset.locationid.is_not(None)))
        session.close()
        engine = get_database().engine
    n = options.requests
    pages: list[tuple[str, list[str]]] = [
        ("dashboard /", ["/"] * n),
        ("assets list, 25 rows", ["/assets?perpage=25"] * n),
        ("assets list, 100 rows", ["/assets?perpage=100"] * n),
        ("assets list, sorted, page 3", ["/assets?perpage=25&sort=-name&page=3"] * n),
        ("computers list, 25 rows", ["/computers?perpage=25"] * n),
        ("computers list, 100 rows", ["/computers?perpage=100"] * n),
        ("computers list, by location", [f"/computers?perpage=25&locationid={bay}"] * n),
        ("computers list, searched (q)", ["/computers?perpage=25&q=PC0001"] * n),
        ("asset detail", [f"/assets/{each}" for each in assetids]),
        ("computer detail", [f"/computers/{each}" for each in computerids]),
    ]
    print(
        f"{assets} assets, {url or folder / 'shopdb.db'}; {n} requests per page, in process "
        f"(Flask test client: server time, no network); load average "
        f"{', '.join(f'{each:.1f}' for each in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    print(f"{'':32} {'wall time ms':>17} {'CPU time ms':>17}")
    print(f"{'page':32} {'p50':>8} {'p95':>8} {'p50':>8} {'p95':>8} {'statements':>11}")
    missed: dict[str, list[str]] = {"wall": [], "CPU": []}
    with app.test_client() as client:
        sign_in(client)
        for label, urls in pages:
            wall, cpu, statements = measure(client, engine, urls)
            p95 = {"wall": percentile(wall, 0.95), "CPU": percentile(cpu, 0.95)}
            print(
                f"{label:32} {statistics.median(wall):8.1f} {p95['wall']:8.1f} "
                f"{statistics.median(cpu):8.1f} {p95['CPU']:8.1f} {statements:11d}",
                flush=True,
            )
            for kind, value in p95.items():
                if not label.startswith("dashboard") and value > GOAL_MS:
                    missed[kind].append(label)
    for kind, labels in missed.items():
        verdict = f"missed by {', '.join(labels)}" if labels else "met"
        print(f"goal, list and detail p95 <= {GOAL_MS} ms, {kind} time: {verdict}")
    print(f"load average after: {', '.join(f'{each:.1f}' for each in os.getloadavg())}")


if __name__ == "__main__":
    main()
