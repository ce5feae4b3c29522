"""SQL statements per collector push of one computer, by outcome.

    .venv/bin/python bench/collector_statements.py

Installs the computers plugin on a throw-away SQLite site (as the tests do),
pushes one inventory record (one interface, an operating system already
known), then the same computer changed, then unchanged, and prints the
statements each push sent. A noop must stay cheap: most pushes are noops.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

# The repository root, for the site and query-counting helpers the tests use.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.collector_throughput import record
from shopdb.database import get_database
from shopdb.testing.databases import count_queries
from tests.bundled.support import installed_site


class Folders:
    """What `installed_site` asks of pytest's tmp_path_factory: fresh folders."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        folder = Path(tempfile.mkdtemp(prefix=name, dir=self.root))
        return folder


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as name,
        installed_site("computers", Folders(Path(name))) as site,
    ):
        site.pushed(record(0, 1))  # the operating system row exists from here on
        engine = get_database(site.app).engine
        print("computers collector, SQLite: statements per push")
        for expected, body in (
            ("created", record(1, 1)),
            ("updated", record(1, 2)),
            ("noop", record(1, 2)),
        ):
            with count_queries(engine) as counter:
                action = site.pushed(body)["action"]
            assert action == expected, (action, expected)
            print(f"  {action:8} {counter.count}")


if __name__ == "__main__":
    main()
