"""SQL statements per collector push of one computer, by outcome, and per
batch of 1, 100 and 500 computers.

    .venv/bin/python bench/collector_statements.py

Installs the computers plugin on a throw-away SQLite site (as the tests do),
pushes one inventory record (one interface, an operating system already
known), then the same computer changed, then unchanged, and prints the
statements each push sent. A noop must stay cheap: most pushes are noops.
Then batches (`{"records": [...]}`) of new computers, of the same changed,
and unchanged, with the statements per batch and per record.
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
        print("statements per batch (per record)")
        first = 1000
        for size in (1, 100, 500):
            numbers = range(first, first + size)
            first += size
            shown = []
            for expected, version in (("created", 1), ("updated", 2), ("noop", 2)):
                body = {"records": [record(number, version) for number in numbers]}
                with count_queries(engine) as counter:
                    counts = site.pushed(body)["counts"]
                assert counts[expected] == size, (counts, expected)
                shown.append(f"{expected} {counter.count} ({counter.count / size:.1f})")
            print(f"  batch of {size:3}: " + ", ".join(shown))


if __name__ == "__main__":
    main()
