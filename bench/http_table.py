"""The performance issue's table, measured over real HTTP on a bench site.

    .venv/bin/python bench/site.py --assets 100000             # once: builds bench-site/
    .venv/bin/python bench/http_table.py [--folder bench-site] [--requests 20] [--seconds 10]
        [--rows location,detail,writes,deep,throughput,collector]
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/http_table.py

Serves the site bench/site.py built (the SQLite file in --folder, or
DATABASE_URL) with gunicorn, 3 workers of 3 threads and the shipped
deploy/gunicorn.conf.py, signs in as the bench admin and prints one line per
row of the issue's table: p50 and p95 of each request over 3 repeats (one
client, keep-alive), beside the same page fetched with raw SQL in this
process (the floor: no HTTP, no ORM, no serialising), list throughput with 8
client threads (and the workers' CPU time per request, a figure that other
work on the machine does not change), the computers collector (one record
per request, then batches), and the resident memory of each worker after
the load (RSS, and PSS: the worker's share of pages shared with others). The
collector rows add computers (BENCH-HTTP*) to the site; run site.py again
for a pristine one.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import importlib.util
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from shopdb.testing.servers import free_port, gunicorn, wait_for  # noqa: E402

# bench/site.py by path: `site` is also the name of a standard module.
_spec = importlib.util.spec_from_file_location("benchsite", HERE / "site.py")
assert _spec is not None and _spec.loader is not None
benchsite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchsite)

KEY = "bench-collector-key-0123456789-abcdefghijklmnop"
WORKERS, THREADS, CLIENTS, REPEATS = 3, 3, 8, 3
PERPAGE = 50


# The client ------------------------------------------------------------------------


class Client:
    """Keep-alive HTTP, one connection per thread, JSON in and out."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = self.exchange(method, path, body, **headers)
        return json.loads(data) if data else None

    def exchange(
        self, method: str, path: str, body: Any = None, *, retried: bool = False, **headers: str
    ) -> bytes:
        """Send the request and read the whole reply body (not parsed)."""
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=300
            )
        payload = None if body is None else json.dumps(body).encode()
        sent = {**self.headers, **headers}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, payload, sent)
            response = connection.getresponse()
            data = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed a kept-alive connection that sat idle longer
            # than its keepalive; the request never ran: send it again.
            connection.close()
            self.local.connection = None
            if retried:
                raise
            return self.exchange(method, path, body, retried=True, **headers)
        except (http.client.HTTPException, OSError):
            self.local.connection = None
            connection.close()
            raise
        if response.status >= 400:
            raise SystemExit(f"{method} {path}: {response.status} {data[:500]!r}")
        return data

    def timed(self, method: str, path: str, body: Any = None) -> tuple[float, Any]:
        """Milliseconds from sending the request to the reply's last byte (the
        client's JSON parsing is not the server's time), and the reply."""
        began = time.perf_counter()
        data = self.exchange(method, path, body)
        elapsed = (time.perf_counter() - began) * 1000
        return elapsed, json.loads(data) if data else None


# Figures ------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def repeated(requests: int, one: Callable[[int], float]) -> tuple[float, float, list[float]]:
    """p50 and p95 of all samples of REPEATS repeats, and each repeat's p95."""
    everything: list[float] = []
    each = []
    for repeat in range(REPEATS):
        samples = [one(repeat * requests + n) for n in range(requests)]
        everything += samples
        each.append(percentiles(samples)[1])
    p50, p95 = percentiles(everything)
    return p50, p95, each


def line(work: str, figures: tuple[float, float, list[float]], floor: Any = None) -> None:
    p50, p95, each = figures
    text = f"{work:<50} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
    text += f"  (repeats' p95 {'/'.join(f'{x:.0f}' for x in each)})"
    if floor is not None:
        floor50, floor95, _ = floor
        ratio = p95 / floor95 if floor95 else float("inf")
        text += f"  | raw SQL p50 {floor50:.2f} p95 {floor95:.2f} ms ({ratio:.1f}x)"
    print(text, flush=True)


class Raw:
    """The floor: the same page's statements with plain SQL in this process."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.connection = self.engine.connect()

    def timed(self, *statements: tuple[str, dict[str, Any]]) -> float:
        began = time.perf_counter()
        for sql, values in statements:
            self.connection.execute(text(sql), values).fetchall()
        self.connection.rollback()
        return (time.perf_counter() - began) * 1000

    def scalar(self, sql: str, **values: Any) -> Any:
        found = self.connection.execute(text(sql), values).scalar()
        self.connection.rollback()
        return found

    def close(self) -> None:
        self.connection.close()
        self.engine.dispose()


ASSET_COLUMNS = (
    "assetid, assetnumber, name, assettypeid, assetstatusid, locationid, businessunitid, "
    "vendorid, modelid, serialnumber, mapx, mapy, notes, isactive, createdat, modifiedat"
)


def page_sql(where: str, order: str, offset: int) -> str:
    return (
        f"SELECT {ASSET_COLUMNS} FROM assets {where} ORDER BY {order} "
        f"LIMIT {PERPAGE} OFFSET {offset}"
    )


# The server ------------------------------------------------------------------------


def start(env: dict[str, str], folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = gunicorn(port, WORKERS, THREADS)
    server = subprocess.Popen(
        command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health/ready", seconds=120)
    except BaseException:
        stop(server)
        raise
    return server, port


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def workers_of(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return sorted(found)


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) the workers have used: the live ones', and
    the ended ones' (max_requests replaces workers) as their master counts
    them. A figure of the server's own work, whatever else runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = _stat(master)
    used = int(fields[13]) + int(fields[14])  # cutime, cstime: ended workers
    for pid in workers_of(master):
        try:
            fields = _stat(pid)
        except OSError:
            continue
        used += int(fields[11]) + int(fields[12])  # utime, stime
    return used / ticks


def proportional_mb(pid: int) -> float:
    """The worker's share of memory (PSS): pages it shares with the other
    workers and the master count in part."""
    for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if row.startswith("Pss:"):
            return int(row.split()[1]) / 1024
    return 0.0


def resident_mb(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


# The table ------------------------------------------------------------------------


def computer(number: int, version: int) -> dict[str, Any]:
    return {
        "hostname": f"BENCH-HTTP{number:06d}",
        "serialnumber": f"BHS{number:07d}",
        "operatingsystem": "Windows 11 Enterprise",
        "loggedinuser": f"SHOP\\op{version}",
        "memorymb": 8192 * version,
        "interfaces": [
            {
                "name": "Ethernet",
                "macaddress": f"02:cc:{version:02x}:{number >> 16 & 255:02x}:"
                f"{number >> 8 & 255:02x}:{number & 255:02x}",
                "ipaddress": f"10.{100 + version}.{number >> 8 & 255}.{number & 255}",
            }
        ],
    }


class Table:
    """The rows of the issue's table, one method each, on one served site."""

    def __init__(self, client: Client, raw: Raw, options: argparse.Namespace, master: int) -> None:
        self.client = client
        self.master = master
        self.client_cpu: list[float] = []
        self.raw = raw
        self.requests = options.requests
        self.options = options
        self.total = raw.scalar("SELECT count(*) FROM assets")
        self.bays = self.column(
            "SELECT locationid FROM assets WHERE locationid IS NOT NULL "
            "GROUP BY locationid ORDER BY locationid"
        )
        self.pcs = self.column("SELECT assetid FROM computers ORDER BY assetid LIMIT 500")
        self.stamp = int(time.time()) % 100_000 * 10
        print(f"site: {self.total} assets, {len(self.bays)} locations with assets")

    def column(self, sql: str) -> list[Any]:
        found = [row[0] for row in self.raw.connection.execute(text(sql))]
        self.raw.connection.rollback()
        return found

    def get(self, path: str, query: dict[str, Any]) -> float:
        return self.client.timed("GET", f"{path}?{urlencode(query)}")[0]

    def by_location(self) -> None:
        bays = self.bays

        def raw(n: int) -> float:
            bay = {"l": bays[n % len(bays)]}
            return self.raw.timed(
                ("SELECT count(*) FROM assets WHERE locationid = :l", bay),
                (page_sql("WHERE locationid = :l", "name, assetid", 0), bay),
            )

        query = {"sort": "name", "perpage": PERPAGE}
        line(
            "list 50 by location, sorted by name",
            repeated(
                self.requests,
                lambda n: self.get("/api/assets", {"locationid": bays[n % len(bays)], **query}),
            ),
            repeated(self.requests, raw),
        )

    def detail(self) -> None:
        pcs = self.pcs

        def raw(n: int) -> float:
            asset = {"a": pcs[n % len(pcs)]}
            return self.raw.timed(
                ("SELECT * FROM assets JOIN computers USING (assetid) WHERE assetid = :a", asset),
                ("SELECT * FROM computerinterfaces WHERE assetid = :a", asset),
                (
                    "SELECT * FROM assetrelationships WHERE sourceassetid = :a "
                    "OR targetassetid = :a",
                    asset,
                ),
            )

        line(
            "detail (a computer)",
            repeated(
                self.requests,
                lambda n: self.client.timed("GET", f"/api/computers/{pcs[n % len(pcs)]}")[0],
            ),
            repeated(self.requests, raw),
        )

    def writes(self) -> None:
        created: list[int] = []

        def create(n: int) -> float:
            body = {"hostname": f"BENCH-REST{self.stamp + n:07d}", "loggedinuser": "SHOP\\bench"}
            took, reply = self.client.timed("POST", "/api/computers", body)
            created.append(reply["data"]["assetid"])
            return took

        def patch(n: int) -> float:
            path = f"/api/computers/{created[n % len(created)]}"
            return self.client.timed("PATCH", path, {"loggedinuser": f"SHOP\\patched{n}"})[0]

        line("create (a computer)", repeated(self.requests, create))
        line("patch (a computer)", repeated(self.requests, patch))

    def deep(self, label: str, sort: str | None, order: str) -> None:
        """Pages around 90% of the whole asset list, by page number, and the
        page after one of them by its `next` cursor."""
        last = -(-self.total // PERPAGE)
        deep = max(1, int(last * 0.9))
        spread = max(1, last // 20)
        sorting = {"sort": sort} if sort else {}

        def number(n: int) -> int:
            return min(last, max(1, deep + n % spread - spread // 2))

        def raw(n: int) -> float:
            offset = (number(n) - 1) * PERPAGE
            return self.raw.timed(
                ("SELECT count(*) FROM assets", {}), (page_sql("", order, offset), {})
            )

        line(
            f"deep page near offset {(deep - 1) * PERPAGE}, {label}",
            repeated(
                self.requests,
                lambda n: self.get(
                    "/api/assets", {"page": number(n), "perpage": PERPAGE, **sorting}
                ),
            ),
            repeated(self.requests, raw),
        )
        cursors = []
        for n in range(min(10, spread)):
            query = urlencode({"page": number(n), "perpage": PERPAGE, **sorting})
            cursor = self.client.call("GET", f"/api/assets?{query}")["meta"].get("next")
            if cursor:
                cursors.append(cursor)
        if cursors:
            line(
                f"deep page by its cursor, {label}",
                repeated(
                    self.requests,
                    lambda n: self.get(
                        "/api/assets",
                        {"cursor": cursors[n % len(cursors)], "perpage": PERPAGE, **sorting},
                    ),
                ),
            )

    def throughput(self) -> None:
        rates, costs = [], []
        for _repeat in range(REPEATS):
            rate, cost = self.hammer(time.monotonic() + self.options.seconds)
            rates.append(rate)
            costs.append(cost)
        print(
            f"{'list throughput, 8 client threads':<50} "
            f"{' / '.join(f'{rate:.0f}' for rate in rates)} req/s "
            f"({self.options.seconds:.0f} s each); CPU per request: server "
            f"{' / '.join(f'{cost:.1f}' for cost in costs)} ms, client "
            f"{' / '.join(f'{cost:.1f}' for cost in self.client_cpu)} ms",
            flush=True,
        )

    def hammer(self, until: float) -> tuple[float, float]:
        """Requests per second, and the workers' CPU milliseconds per request
        (what the rate would be on idle cores: cores * 1000 / that)."""
        counts = [0] * CLIENTS
        cpu = server_cpu_seconds(self.master)
        client = time.process_time()

        def run(index: int) -> None:
            rng = random.Random(index)
            while time.monotonic() < until:
                query = {"locationid": rng.choice(self.bays), "sort": "name", "perpage": PERPAGE}
                self.client.call("GET", f"/api/assets?{urlencode(query)}")
                counts[index] += 1

        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(run, range(CLIENTS)))
        done = max(1, sum(counts))
        cpu = server_cpu_seconds(self.master) - cpu
        self.client_cpu.append((time.process_time() - client) * 1000 / done)
        return done / (time.perf_counter() - began), cpu * 1000 / done

    def collector(self) -> None:
        key = {"X-API-Key": KEY}
        base = self.stamp * 10 + 1_000_000
        single = self.options.collector

        def push(body: Any) -> Any:
            return self.client.call("POST", "/api/collector/computers", body, **key)

        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(push, [computer(base + n, 1) for n in range(single)]))
        seconds = time.perf_counter() - began
        print(
            f"{'collector, one record per request':<50} {single / seconds:.0f} records/s "
            f"({single} creates, {CLIENTS} client threads, {seconds:.1f} s)",
            flush=True,
        )
        batch, batches = self.options.batch, self.options.batches
        for version, what in ((1, "creates"), (2, "updates")):
            bodies = [
                {
                    "records": [
                        computer(base + single + b * batch + n, version) for n in range(batch)
                    ]
                }
                for b in range(batches)
            ]
            began = time.perf_counter()
            with ThreadPoolExecutor(min(CLIENTS, batches)) as pool:
                list(pool.map(push, bodies))
            seconds = time.perf_counter() - began
            print(
                f"{f'collector, batches of {batch}, {what}':<50} "
                f"{batch * batches / seconds:.0f} records/s ({batches} batches, {seconds:.1f} s)",
                flush=True,
            )


ROWS = ("location", "detail", "writes", "deep", "throughput", "collector")


def measure(client: Client, raw: Raw, options: argparse.Namespace, master: int) -> None:
    table = Table(client, raw, options, master)
    table.client.call("GET", "/api/assets")  # the first request of a worker sets things up
    rows = options.rows
    if "location" in rows:
        table.by_location()
    if "detail" in rows:
        table.detail()
    if "writes" in rows:
        table.writes()
    if "deep" in rows:
        table.deep("default sort", None, "assetnumber, assetid")
        table.deep("sorted by -modifiedat", "-modifiedat", "modifiedat DESC, assetid DESC")
    if "throughput" in rows:
        table.throughput()
    if "collector" in rows:
        table.collector()
    workers = workers_of(master)
    sizes = [resident_mb(pid) for pid in workers]
    shares = [proportional_mb(pid) for pid in workers]
    print(
        f"{'memory per worker after load':<50} "
        f"{', '.join(f'{size:.0f}' for size in sizes)} MB (RSS of the {len(sizes)} workers; "
        f"PSS {', '.join(f'{share:.0f}' for share in shares)} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("bench-site"))
    parser.add_argument("--requests", type=int, default=20, help="per repeat and row")
    parser.add_argument("--seconds", type=float, default=10, help="per throughput repeat")
    parser.add_argument("--collector", type=int, default=300, help="single pushes")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument(
        "--rows",
        type=lambda text: set(text.split(",")),
        default=set(ROWS),
        help=f"the rows to measure, comma separated (default all: {','.join(ROWS)})",
    )
    options = parser.parse_args()
    # Bytecode for ShopDB's modules, as an installed package has it: workers
    # (and those max_requests starts anew) would compile them from source
    # where PYTHONDONTWRITEBYTECODE is set.
    compileall.compile_dir(HERE.parent / "shopdb", quiet=1)
    folder = options.folder.resolve()
    env = benchsite.site_environment(folder, os.environ.get("DATABASE_URL"))
    env["COLLECTOR_API_KEY"] = KEY
    url = env["DATABASE_URL"]
    print(
        f"gunicorn {WORKERS} workers x {THREADS} threads on "
        f"{url.split('://')[0]}; load average {os.getloadavg()[0]:.2f}"
    )
    raw = Raw(url)
    server, port = start(env, folder)
    try:
        client = Client(port)
        user, password = benchsite.ADMIN
        reply = client.call("POST", "/api/auth/login", {"username": user, "password": password})
        client.headers["Authorization"] = f"Bearer {reply['data']['accesstoken']}"
        measure(client, raw, options, server.pid)
    finally:
        stop(server)
        raw.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
