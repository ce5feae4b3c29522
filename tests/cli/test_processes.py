"""The commands as a person runs them: separate processes, real HTTP, exit codes.

These start Python processes and a server, so they are marked slow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopdb.testing.servers import free_port, wait_for

pytestmark = [pytest.mark.database, pytest.mark.slow]

SHOPDB = str(Path(sys.executable).parent / "shopdb")


@pytest.fixture
def shopdb(database_url, tmp_path):
    """Run `shopdb ...` in a clean environment pointed at this test's database."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SHOPDB_ENV": "development",
        "DATABASE_URL": database_url,
        "SHOPDB_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def run(*args: str, input: str | None = None, **extra: str):
        return subprocess.run(
            [SHOPDB, *args],
            env={**env, **extra},
            cwd=tmp_path,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    run.env = env
    return run


def assert_one_line_error(result, fragment: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]


def test_first_run_flow_serves_the_demo_site(shopdb):
    """What `make run` does: migrate, seed the demo, create the admin, serve."""
    assert shopdb("db", "upgrade").returncode == 0
    seeded = shopdb("seed", "--demo")
    assert seeded.returncode == 0, seeded.stderr
    first = shopdb(
        "user", "create", "admin", "--role", "admin", "--generate-password", "--exists-ok"
    )
    assert first.returncode == 0, first.stderr
    assert "Generated password (shown only now)" in first.stdout
    second = shopdb(
        "user", "create", "admin", "--role", "admin", "--generate-password", "--exists-ok"
    )
    assert "already exists; keeping it" in second.stdout
    assert "Generated password" not in second.stdout

    port = free_port()
    server = subprocess.Popen(
        [SHOPDB, "run", "--port", str(port)],
        env=shopdb.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = wait_for(f"http://127.0.0.1:{port}/api/health/ready")
        assert b'"ready"' in ready
        # The web UI's start page; asset counts wait for a sign-in.
        home = wait_for(f"http://127.0.0.1:{port}/")
        assert b"ShopDB" in home and b"/signin" in home
        clash = shopdb("run", "--port", str(port))
        assert_one_line_error(clash, f"Port {port} on 127.0.0.1 is already in use")
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_run_refuses_a_database_without_schema(shopdb, database_url):
    if database_url.startswith("sqlite"):
        assert_one_line_error(shopdb("run", "--port", "1"), "There is no database at")
    else:
        assert_one_line_error(shopdb("run", "--port", "1"), "no ShopDB schema yet")


def test_a_malformed_database_url_is_one_sentence(shopdb):
    result = shopdb("db", "upgrade", DATABASE_URL="mysql://user:pass@host:notaport/db")
    assert_one_line_error(result, "DATABASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://shopdb:x@127.0.0.1:9/shopdb",
        "mysql+pymysql://shopdb:x@127.0.0.1:9/shopdb",
    ],
)
def test_an_unreachable_server_is_one_sentence(shopdb, url):
    result = shopdb("db", "upgrade", DATABASE_URL=url)
    assert_one_line_error(result, "Cannot use the")
    assert "127.0.0.1:9" in result.stderr
    assert ":x@" not in result.stderr


def test_a_missing_folder_for_the_database_is_one_sentence(shopdb, tmp_path):
    url = f"sqlite:///{tmp_path}/missing/deeper/shopdb.db"
    assert_one_line_error(shopdb("db", "upgrade", DATABASE_URL=url), "does not exist")


def test_production_misconfiguration_lists_every_problem(shopdb):
    result = shopdb("db", "current", SHOPDB_ENV="production", CORS_ORIGINS="*")
    assert_one_line_error(result, "ShopDB refuses to start in production")
    for fragment in ("SECRET_KEY is not set", "JWT_SECRET_KEY is not set", "CORS_ORIGINS"):
        assert fragment in result.stderr


def test_flask_cli_also_works(shopdb, tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "shopdb", "db", "upgrade"],
        env=shopdb.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Upgraded the database" in result.stdout


def test_gunicorn_serves_the_app_factory(shopdb, tmp_path):
    """Production serving: gunicorn imports `shopdb:create_app()`."""
    assert shopdb("db", "upgrade").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "shopdb:create_app()",
        ],
        env=shopdb.env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert b'"ready"' in wait_for(f"http://127.0.0.1:{port}/api/health/ready")
    finally:
        server.terminate()
        server.wait(timeout=20)
