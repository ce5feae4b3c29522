"""Lint, format, types and architecture contracts run as part of the suite, so
that a change which makes the core import a plugin fails the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def tool(name: str) -> str:
    found = BIN / name
    if not found.exists():
        pytest.fail(f"{name} is not installed in the test environment; run 'make test'.")
    return str(found)


def test_ruff_lint_passes():
    result = run(tool("ruff"), "check", "shopdb", "tests", "bench", "collectors")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = run(tool("ruff"), "format", "--check", "shopdb", "tests", "bench", "collectors")
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check():
    """mypy over shopdb/ with the settings in pyproject.toml: every hook where
    plugins meet the core is annotated, and shopdb.api, shopdb.plugins and
    shopdb.resources check clean."""
    result = run(tool("mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_architecture_contracts_hold():
    result = run(tool("lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_architecture_contract_catches_the_core_importing_a_plugin(tmp_path):
    """The contract is not decorative: a core module importing a bundled one fails it."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "shopdb", copy / "shopdb", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "shopdb" / "bundled" / "sneaky.py").write_text('"""A plugin module."""\n')
    offender = copy / "shopdb" / "services" / "offender.py"
    offender.write_text('"""Breaks the rule."""\n\nimport shopdb.bundled.sneaky  # noqa: F401\n')
    result = subprocess.run(
        [tool("lint-imports"), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": str(BIN)},
    )
    assert result.returncode != 0
    assert "shopdb.services.offender" in result.stdout
