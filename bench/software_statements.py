"""SQL statements per computers-collector push that carries installed
software (the applications plugin's `software` part), by outcome.

    .venv/bin/python bench/software_statements.py [--items 200]

Installs the applications plugin (and computers) on a throw-away SQLite site
and pushes one computer with N software items nobody has pushed before, then
the same list unchanged, one version changed, and one item left out; prints
the statements and milliseconds of each. A push that changes nothing must
stay cheap whatever N: most pushes are noops.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# The repository root, for the site and query-counting helpers the tests use.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.collector_statements import Folders
from shopdb.database import get_database
from tests.bundled.support import installed_site
from tests.collectors.conftest import SHARED_KEY
from tests.conftest import count_queries


def software(items: int, changed: int = -1) -> list[dict[str, str]]:
    return [
        {"name": f"Application {number:04d}", "version": "2.0" if number == changed else "1.0"}
        for number in range(items)
    ]


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--items", type=int, default=200, help="software items per push (200)")
    items = options.parse_args().items
    with (
        tempfile.TemporaryDirectory() as name,
        installed_site("applications", Folders(Path(name))) as site,
    ):
        client = site.app.test_client()
        engine = get_database(site.app).engine
        client.post(
            "/api/collector/computers",
            json={"hostname": "bench-pc"},
            headers={"X-API-Key": SHARED_KEY},
        )
        print(f"computers collector with {items} software items, SQLite: statements per push")
        for label, expected, listed in (
            ("all new", "updated", software(items)),
            ("unchanged", "noop", software(items)),
            ("1 version", "updated", software(items, changed=0)),
            ("1 removed", "updated", software(items, changed=0)[1:]),
        ):
            started = time.perf_counter()
            with count_queries(engine) as counter:
                response = client.post(
                    "/api/collector/computers",
                    json={"hostname": "bench-pc", "software": listed},
                    headers={"X-API-Key": SHARED_KEY},
                )
            elapsed = (time.perf_counter() - started) * 1000
            action = response.get_json()["data"]["action"]
            assert action == expected, (label, action, expected)
            print(f"  {label:10} {action:8} {counter.count:6} statements {elapsed:8.1f} ms")


if __name__ == "__main__":
    main()
