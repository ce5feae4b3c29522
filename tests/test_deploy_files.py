"""The container files, checked without a container engine (none exists on
the build machines): the Dockerfile's stages and instructions, the compose
file's services and health-gated start, the entrypoint's syntax, the
gunicorn settings (loaded by gunicorn itself) and .env.example's coverage."""

from __future__ import annotations

import logging
import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last = max(index for index, (word, _rest) in enumerate(steps) if word == "FROM")
    return steps[last:]


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def test_dockerfile_is_multi_stage_slim_and_runs_as_a_user():
    froms = [rest for word, rest in dockerfile() if word == "FROM"]
    assert len(froms) >= 2
    assert all("slim" in base for base in froms)
    stage = final_stage()
    users = [rest for word, rest in stage if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_checks_readiness_keeps_the_instance_and_uses_the_gunicorn_config():
    stage = dict(final_stage())
    assert "/api/health/ready" in stage["HEALTHCHECK"]
    assert "/var/lib/shopdb" in stage["VOLUME"]
    assert "SHOPDB_INSTANCE_PATH=/var/lib/shopdb" in stage["ENV"]
    command = " ".join(shlex.split(stage["CMD"].strip("[]").replace(",", " ")))
    assert "gunicorn --config /opt/shopdb/deploy/gunicorn.conf.py" in command
    assert "/opt/shopdb/deploy/entrypoint.sh" in stage["ENTRYPOINT"]


def test_dockerfile_copies_only_what_exists():
    for word, rest in dockerfile():
        if word != "COPY" or rest.startswith("--from"):
            continue
        for source in rest.split()[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"


def test_entrypoint_is_executable_sh_and_runs_bootstrap():
    assert os.access(ENTRYPOINT, os.X_OK)
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)
    text = ENTRYPOINT.read_text()
    assert "shopdb bootstrap" in text
    assert 'exec "$@"' in text


def test_compose_starts_shopdb_once_mysql_8_is_healthy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    database = services["db"]
    assert database["image"].startswith("mysql:8")
    assert database["healthcheck"]["test"]
    shopdb = services["shopdb"]
    assert shopdb["build"] == "."
    assert shopdb["depends_on"]["db"]["condition"] == "service_healthy"
    assert shopdb["depends_on"]["redis"]["condition"] == "service_healthy"
    assert shopdb["environment"]["DATABASE_URL"].startswith("mysql+pymysql://")
    assert shopdb["environment"]["SHOPDB_RATELIMIT_STORAGE_URL"].startswith("redis://")
    assert any(volume.endswith(":/var/lib/shopdb") for volume in shopdb["volumes"])
    assert shopdb["environment"]["SHOPDB_ADMIN_PASSWORD_FILE"] == "/run/secrets/admin_password"
    assert "admin_password" in compose["secrets"]
    for name in shopdb["environment"]:
        assert name in documented(), f"{name} is not in .env.example"


def test_every_variable_the_deployment_reads_is_documented():
    read = set()
    for path in (
        GUNICORN_CONF,
        ENTRYPOINT,
        ROOT / "shopdb" / "plugins" / "sitecommands.py",
        ROOT / "docker-compose.yml",
    ):
        text = path.read_text()
        read |= set(re.findall(r"environ\.get\(\"([A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    assert read, "no variables found: the pattern is out of date"
    assert read <= documented(), sorted(read - documented())


def load_gunicorn_conf(monkeypatch, **environ: str) -> dict:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


@pytest.mark.parametrize(
    ("store", "workers", "warns"),
    [
        ("", "3", True),
        ("memory://", "2", True),
        ("redis://127.0.0.1:6379/0", "3", False),
        ("", "1", False),
    ],
)
def test_gunicorn_warns_of_per_worker_limits(monkeypatch, caplog, store, workers, warns):
    monkeypatch.delenv("SHOPDB_RATELIMIT_STORAGE_URL", raising=False)
    settings = load_gunicorn_conf(
        monkeypatch, SHOPDB_WORKERS=workers, SHOPDB_RATELIMIT_STORAGE_URL=store
    )
    assert settings["workers"] == int(workers)
    log = logging.getLogger("test.gunicorn")
    server = SimpleNamespace(cfg=SimpleNamespace(workers=settings["workers"]), log=log)
    with caplog.at_level(logging.WARNING, logger="test.gunicorn"):
        settings["on_starting"](server)
    assert ("SHOPDB_RATELIMIT_STORAGE_URL" in caplog.text) is warns


@pytest.mark.slow
def test_gunicorn_accepts_the_config_and_the_app(tmp_path):
    env = {
        **os.environ,
        "SHOPDB_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shopdb.db'}",
        "SHOPDB_INSTANCE_PATH": str(tmp_path),
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--check-config",
            "--config",
            str(GUNICORN_CONF),
            "shopdb:create_app()",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
