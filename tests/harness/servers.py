"""Real server processes for tests that need real HTTP: started on a free
port, waited for until ready, stopped afterwards; a traceback in the server's
log fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli.test_processes import free_port, wait_for

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def gunicorn(port: int) -> list[str]:
    """The app served by gunicorn with 4 workers of 4 threads, as in production."""
    return [
        GUNICORN,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "4",
        "--threads",
        "4",
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
