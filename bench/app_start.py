"""How long ShopDB takes to start with every plugin it finds installed.

Creates a throw-away SQLite site, upgrades it, installs every discovered
plugin (bundled, SHOPDB_PLUGIN_PATHS, entry points), then starts the app in
fresh processes (imports included, as a server worker does) and prints the
figures, wall time and CPU time (which other work on the machine does not
stretch):

    .venv/bin/python bench/app_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from shopdb.config import parse_paths
from shopdb.plugins import discover_plugins

START = """
import sys, time
began, cpu = time.perf_counter(), time.process_time()
from shopdb import create_app  # as gunicorn 'shopdb:create_app()' does
app = create_app()
elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
loaded = app.extensions["shopdb.plugins"].loaded
print(f"{elapsed:.4f} {cpu:.4f} {len(loaded)} {len(app.url_map._rules)} {len(sys.modules)}")
"""


def shopdb(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-c", "from shopdb.console import main; main()", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"shopdb {' '.join(args)} failed: {result.stderr or result.stdout}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    # Bytecode for ShopDB's own modules, as an installed package has it (pip
    # writes it at install): a checkout with PYTHONDONTWRITEBYTECODE set
    # would compile every module from source at every start.
    compileall.compile_dir(Path(parse_paths.__code__.co_filename).parent, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "SHOPDB_ENV": "development",
            "SHOPDB_INSTANCE_PATH": folder,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'shopdb.db'}",
        }
        shopdb(env, "db", "upgrade")
        paths = parse_paths(os.environ.get("SHOPDB_PLUGIN_PATHS", ""))
        names = [source.name for source in discover_plugins(paths).sources]
        for name in names:
            shopdb(env, "plugin", "install", name)
        samples, cpus = [], []
        for _ in range(options.runs):
            result = subprocess.run(
                [sys.executable, "-c", START], env=env, capture_output=True, text=True, check=True
            )
            elapsed, cpu, plugins, routes, modules = result.stdout.split()
            samples.append(float(elapsed))
            cpus.append(float(cpu))
    print(f"plugins installed and loaded: {plugins} ({', '.join(names) or 'none found'})")
    print(f"routes: {routes}; modules imported: {modules}")
    print(
        f"app start (imports + create_app), {options.runs} fresh processes: "
        f"median {statistics.median(samples) * 1000:.0f} ms, "
        f"min {min(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms; "
        f"CPU time median {statistics.median(cpus) * 1000:.0f} ms, min {min(cpus) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
