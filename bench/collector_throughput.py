"""How many inventory records per second the computers collector takes.

Creates a throw-away SQLite site with the computers plugin installed, serves
it with gunicorn (4 workers of 4 threads, as the race test does), then pushes
computers from several client threads: RECORDS new computers one record per
request, then BATCHED other new computers in batches of BATCH (creates), then
those again, changed (updates). Prints records per second for each, and for
the batch rounds together (the goal of issue 19: >= 300 records/s one per
request, >= 3,000 records/s in batches of 500, creates and updates):

    .venv/bin/python bench/collector_throughput.py [--records 1000] [--batched 10000]
        [--batch 500] [--clients 8] [--workers 4]
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

# The repository root, for the server helpers the tests use (plain Python).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shopdb.testing.servers import gunicorn, server_environment, serving

KEY = "bench-collector-key-0123456789-abcdefghijklmnop"


def shopdb(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-c", "from shopdb.console import main; main()", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed: {result.stderr or result.stdout}")


def post(url: str, body: Any) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": KEY},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())["data"]


def record(number: int, version: int) -> dict[str, Any]:
    return {
        "hostname": f"BENCH-PC{number:05d}",
        "serialnumber": f"SN{number:06d}",
        "operatingsystem": "Windows 11 Enterprise 10.0.22631",
        "loggedinuser": f"SHOP\\op{version}",
        "cpu": "Intel Core i5-13500",
        "memorymb": 8192 * version,
        "diskgb": 512,
        "interfaces": [
            {
                "name": "Ethernet",
                "macaddress": f"02:bb:00:{version:02x}:{number >> 8 & 255:02x}:{number & 255:02x}",
                "ipaddress": f"10.{version}.{number >> 8 & 255}.{number & 255}",
            }
        ],
    }


def timed(clients: int, jobs: list[Any], run: Any) -> tuple[float, list[Any]]:
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(run, jobs))
    return time.perf_counter() - began, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="pushed one per request")
    parser.add_argument("--batched", type=int, default=10000, help="pushed in batches")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = server_environment(
            folder, DATABASE_URL=f"sqlite:///{folder}/shopdb.db", COLLECTOR_API_KEY=KEY
        )
        for args in (("db", "upgrade"), ("seed",), ("plugin", "install", "computers")):
            shopdb(env, *args)
        served = functools.partial(gunicorn, workers=options.workers)
        with serving(served, env, folder) as base:
            url = f"{base}/api/collector/computers"
            count = options.records
            single, replies = timed(
                options.clients, [record(n, 1) for n in range(count)], lambda body: post(url, body)
            )
            created = sum(reply["action"] == "created" for reply in replies)
            numbers = range(count, count + options.batched)
            rounds = []
            for version, action in ((1, "created"), (2, "updated")):
                batches = [
                    {
                        "records": [
                            record(n, version) for n in numbers[start : start + options.batch]
                        ]
                    }
                    for start in range(0, len(numbers), options.batch)
                ]
                seconds, replies = timed(options.clients, batches, lambda body: post(url, body))
                done = sum(reply["counts"][action] for reply in replies)
                rounds.append((action, seconds, done))
    print(
        f"computers collector, SQLite, gunicorn {options.workers}x4, "
        f"{options.clients} client threads"
    )
    print(
        f"  single: {count} records ({created} created) in {single:.2f} s: "
        f"{count / single:.0f} records/s"
    )
    for action, seconds, done in rounds:
        print(
            f"  batch:  {len(numbers)} records ({done} {action}) in batches of {options.batch} "
            f"in {seconds:.2f} s: {len(numbers) / seconds:.0f} records/s"
        )
    together = sum(seconds for _action, seconds, _done in rounds)
    print(
        f"  batch, creates and updates: {2 * len(numbers)} records in {together:.2f} s: "
        f"{2 * len(numbers) / together:.0f} records/s"
    )


if __name__ == "__main__":
    main()
