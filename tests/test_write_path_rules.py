"""The write path's house rules, checked on the source: one place commits,
services read no request globals, and only the write path audits changes."""

from __future__ import annotations

import ast
from pathlib import Path

import shopdb

PACKAGE = Path(shopdb.__file__).parent
REQUEST_GLOBALS = {"g", "request", "session", "has_request_context"}


def modules(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "migrations" not in path.parts)


def calls(path: Path, name: str) -> list[int]:
    """Lines of `<anything>.name(...)` calls in a module."""
    tree = ast.parse(path.read_text())
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    ]


# Migrations plumbing: Alembic runs on a connection of its own, not a session.
OWN_CONNECTIONS = {"services/migrations.py"}
# The public test harness commits the rows its fixtures build; no write path runs there.
TEST_HARNESS = "testing"


def test_only_the_unit_of_work_commits():
    """No `.commit()` in shopdb/ (core, bundled plugins) outside the unit of
    work, which commits in one place; the test harness's fixtures may."""
    committing = {
        name: lines
        for path in modules(PACKAGE)
        if (lines := calls(path, "commit"))
        and (name := str(path.relative_to(PACKAGE))) not in OWN_CONNECTIONS
        and path.relative_to(PACKAGE).parts[0] != TEST_HARNESS
    }
    assert committing == {"services/unitofwork.py": committing.get("services/unitofwork.py")}
    assert len(committing["services/unitofwork.py"]) == 1


def test_services_read_no_request_globals():
    found = []
    for path in modules(PACKAGE / "services"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                found += [
                    f"{path.name}: {alias.name}"
                    for alias in node.names
                    if alias.name in REQUEST_GLOBALS
                ]
    assert found == []


def test_resources_and_plugins_audit_only_through_the_write_path():
    """Resources' and bundled plugins' record writes go through the write
    path, which audits them; direct audit_log calls are for actions that are
    not record writes (sign-in, plugin lifecycle, seeds, backups)."""
    auditing = sorted(
        str(path.relative_to(PACKAGE))
        for folder in ("resources", "bundled")
        for path in modules(PACKAGE / folder)
        if "audit_log(" in path.read_text()
    )
    assert auditing == []
