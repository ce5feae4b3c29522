"""The plugin namespace exports what DESIGN.md promises, and only on purpose."""

from __future__ import annotations

import subprocess
import sys

from shopdb import api


def test_everything_listed_is_importable():
    for name in api.__all__:
        assert hasattr(api, name), name


def test_the_contract_pieces_are_there():
    for name in (
        "Resource",
        "Access",
        "audit_log",
        "get_setting",
        "set_setting",
        "resolve_asset_position",
        "Asset",
        "AssetType",
        "Base",
        "__contract_version__",
    ):
        assert name in api.__all__, name


def test_production_never_imports_the_test_tools(tmp_path):
    """pytest is an optional (test extra) dependency: starting ShopDB with its
    bundled plugins, as a server does, imports none of the test tools; only
    shopdb.testing does."""
    script = (
        "import sys\n"
        "import shopdb, shopdb.api, shopdb.console\n"
        "import shopdb.bundled.computers, shopdb.bundled.equipment, shopdb.bundled.network\n"
        "app = shopdb.create_app({'SHOPDB_ENV': 'testing', 'DATABASE_URL': "
        f"'sqlite:///{tmp_path / 'shopdb.db'}', 'SHOPDB_INSTANCE_PATH': {str(tmp_path)!r}}})\n"
        "tools = ('pytest', '_pytest', 'hypothesis', 'schemathesis', 'shopdb.testing')\n"
        "print(sorted(m for m in sys.modules if m.startswith(tools)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
