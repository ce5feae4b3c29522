"""Real server processes for tests (and benchmarks) that need real HTTP:
started on a free port, waited for until ready, stopped afterwards; a
traceback in the server's log fails the run. Plain Python, no pytest, so the
scripts in bench/ use it too."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# The gunicorn config ShopDB ships; the servers here run with it, as sites do.
GUNICORN_CONFIG = str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> bytes:
    """The body of `url` once it answers; the last error after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def gunicorn(port: int, workers: int = 4, threads: int = 4) -> list[str]:
    """The app served by gunicorn with 4 workers of 4 threads (unless told), as in production."""
    return [
        GUNICORN,
        "-c",
        GUNICORN_CONFIG,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "shopdb:create_app()",
    ]


def server_environment(folder: Path, **variables: str) -> dict[str, str]:
    """A minimal environment for a ShopDB process whose files live in `folder`."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "SHOPDB_ENV": "development",
        "SHOPDB_LOG_LEVEL": "WARNING",
        "SHOPDB_INSTANCE_PATH": str(folder / "instance"),
        **variables,
    }


@contextmanager
def serving(command: Callable[[int], list[str]], env: dict[str, str], cwd: Path) -> Iterator[str]:
    """Run `command(port)` and yield its base URL once /api/health/ready answers."""
    port = free_port()
    process = subprocess.Popen(
        command(port),
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health/ready", seconds=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=30)
    assert "Traceback" not in errors, errors[-4000:]
