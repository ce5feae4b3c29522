"""Throw-away MariaDB and PostgreSQL servers that a test may stop and start.

The shared test servers must never be stopped (other test runs use them), so
a test about a database that goes away starts one of its own here: its own
data folder under /tmp and its own free port, on 127.0.0.1 only, tuned for
speed rather than durability, the way `.ci/databases.sh` starts the shared
ones. `stop()` shuts it down as an operator would (PostgreSQL `pg_ctl stop -m
fast`, MariaDB SIGTERM); `start()` brings it back on the same data.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from shopdb.database import build_engine
from shopdb.testing.servers import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
TIMEOUT = 60


def _as_user(user: str, command: list[str]) -> list[str]:
    """Servers refuse to run as root: run them as their own system user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *command]
    return command


def _wait_for(check: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"{what} did not come up in {TIMEOUT} s:\n{tail}")


class ThrowawayServer:
    backend = ""
    user = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.log = folder / "server.log"

    @property
    def url(self) -> str:
        raise NotImplementedError

    def available(self) -> bool:
        engine = build_engine(self.admin_url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
        finally:
            engine.dispose()

    @property
    def admin_url(self) -> str:
        raise NotImplementedError

    def init(self) -> None:
        """Create the data folder's cluster (once, before the first start)."""
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def create_database(self, name: str) -> None:
        engine = build_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()


class ThrowawayPostgreSQL(ThrowawayServer):
    backend = "postgresql"
    user = "postgres"

    def init(self) -> None:
        self.data = self.folder / "data"
        subprocess.run(
            _as_user(self.user, [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust"]),
            check=True,
            capture_output=True,
        )

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def url_of(self, name: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options]
        command += ["-l", str(self.log), "-w", "start"]
        subprocess.run(_as_user(self.user, command), check=True, capture_output=True)
        _wait_for(self.available, "PostgreSQL", self.log)

    def stop(self) -> None:
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_user(self.user, command), check=False, capture_output=True)


class ThrowawayMariaDB(ThrowawayServer):
    backend = "mariadb"
    user = "mysql"

    def init(self) -> None:
        self.data = self.folder / "data"
        self.socket = self.folder / "mariadb.sock"
        self.process: subprocess.Popen | None = None
        command = [
            shutil.which("mariadb-install-db") or "mariadb-install-db",
            "--no-defaults",
            f"--datadir={self.data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ]
        if os.geteuid() == 0:
            command.append(f"--user={self.user}")
        subprocess.run(command, check=True, capture_output=True)

    @property
    def admin_url(self) -> str:
        return f"mysql+pymysql://root@localhost/mysql?unix_socket={self.socket}"

    def url_of(self, name: str) -> str:
        return f"mysql+pymysql://root@localhost/{name}?unix_socket={self.socket}"

    def start(self) -> None:
        command = [
            shutil.which("mariadbd") or "/usr/sbin/mariadbd",
            "--no-defaults",
            f"--datadir={self.data}",
            f"--socket={self.socket}",
            f"--pid-file={self.folder / 'mariadb.pid'}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=32M",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--skip-log-bin",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            f"--log-error={self.log}",
        ]
        if os.geteuid() == 0:
            command.append(f"--user={self.user}")
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_for(self.available, "MariaDB", self.log)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


SERVERS = {"postgresql": ThrowawayPostgreSQL, "mariadb": ThrowawayMariaDB}


@contextmanager
def throwaway_server(backend: str) -> Iterator[ThrowawayServer]:
    """A started server of `backend`, stopped and deleted afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"shopdb-{backend}-", dir="/tmp"))
    server = SERVERS[backend](folder)
    if os.geteuid() == 0:
        folder.chmod(0o755)
        shutil.chown(folder, server.user, server.user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def have(backend: str) -> bool:
    """Whether the binaries of `backend` are installed here."""
    if backend == "postgresql":
        return (PG_BIN / "pg_ctl").exists()
    return bool(shutil.which("mariadbd") or Path("/usr/sbin/mariadbd").exists())
