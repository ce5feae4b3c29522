"""How many inventory records per second the computers collector takes.

Creates a throw-away SQLite site with the computers plugin installed, serves
it with gunicorn (4 workers of 4 threads, as the race test does), then pushes
N computers from several client threads: first one record per request, then
the same computers again changed, in batches. Prints records per second for
each (creates for the single round, updates for the batch round):

    .venv/bin/python bench/collector_throughput.py [--records 500] [--batch 100] [--clients 8]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = server_environment(
            folder, DATABASE_URL=f"sqlite:///{folder}/shopdb.db", COLLECTOR_API_KEY=KEY
        )
        for args in (("db", "upgrade"), ("seed",), ("plugin", "install", "computers")):
            shopdb(env, *args)
        with serving(gunicorn, env, folder) as base:
            url = f"{base}/api/collector/computers"
            count = options.records
            single, replies = timed(
                options.clients, [record(n, 1) for n in range(count)], lambda body: post(url, body)
            )
            created = sum(reply["action"] == "created" for reply in replies)
            batches = [
                {"records": [record(n, 2) for n in range(start, min(start + options.batch, count))]}
                for start in range(0, count, options.batch)
            ]
            batched, replies = timed(options.clients, batches, lambda body: post(url, body))
            updated = sum(reply["counts"]["updated"] for reply in replies)
    print(f"computers collector, SQLite, gunicorn 4x4, {options.clients} client threads")
    print(
        f"  single: {count} records ({created} created) in {single:.2f} s: "
        f"{count / single:.0f} records/s"
    )
    print(
        f"  batch:  {count} records ({updated} updated) in batches of {options.batch} in "
        f"{batched:.2f} s: {count / batched:.0f} records/s"
    )


if __name__ == "__main__":
    main()
