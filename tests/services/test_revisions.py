"""The revision reader of the server's schema check gives Alembic's answers,
and a server process never imports Alembic, Mako or Pygments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopdb.errors import ShopDBError
from shopdb.services import migrations
from shopdb.services.migrations import Branch, MigrationPlan
from shopdb.services.revisions import RevisionGraph

BUNDLED = Path(migrations.__file__).resolve().parent.parent / "bundled"


def every_plugin() -> MigrationPlan:
    folders = sorted(path for path in BUNDLED.glob("*/migrations") if path.is_dir())
    return MigrationPlan(tuple(Branch(path.parent.name, path) for path in folders))


def test_the_reader_agrees_with_alembic_on_core_and_bundled_plugins():
    plan = every_plugin()
    assert len(plan.plugins) >= 5
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config(plan))
    graph = RevisionGraph([migrations.CORE_VERSIONS_PATH, *(b.folder for b in plan.plugins)])
    assert set(graph.revisions) == {revision.revision for revision in script.walk_revisions()}
    for label in plan.labels:
        assert graph.heads(label) == {script.get_revision(f"{label}@head").revision}
    for head in migrations.required_heads(script, plan):
        assert graph.applied([head]) == {
            revision.revision for revision in script.iterate_revisions((head,), "base")
        }


def test_a_revision_file_that_computes_its_place_is_named(tmp_path):
    (tmp_path / "0001_odd.py").write_text('revision = "0001"\ndown_revision = "00" + "0"\n')
    with pytest.raises(ShopDBError, match=r"0001_odd\.py computes down_revision"):
        RevisionGraph([tmp_path])


SERVER = """
import sys
from shopdb.app import create_app
app = create_app()
client = app.test_client()
assert client.get("/api/health/ready").status_code == 200, client.get("/api/health/ready").data
assert client.get("/api/health").status_code == 200
# cryptography: PyJWT would load it (8 MB) for algorithms ShopDB never uses.
heavy = ("alembic", "mako", "pygments", "openpyxl", "cryptography")
print(" ".join(name for name in heavy if name in sys.modules))
"""


@pytest.mark.slow
def test_a_server_process_imports_no_migration_spreadsheet_or_crypto_tools(tmp_path):
    env = {
        **os.environ,
        "SHOPDB_ENV": "development",
        "SHOPDB_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shopdb.db'}",
    }
    command = [sys.executable, "-c", "from shopdb.console import main; main()", "db", "upgrade"]
    subprocess.run(command, env=env, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-c", SERVER], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
