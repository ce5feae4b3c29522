"""`shopdb plugin new`: names it refuses, folders it will not overwrite, the
files it writes; and, end to end, a generated plugin installed on a site that
passes its own tests and the contract suite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from shopdb.console import cli
from shopdb.plugins import load_plugins
from shopdb.plugins.scaffold import NAME_LENGTH, core_head
from shopdb.testing.databases import SERVER_URL
from shopdb.version import __contract_version__
from tests.plugins.builder import unique_name

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
FILES = [
    "manifest.json",
    "__init__.py",
    "models.py",
    "resources.py",
    "migrations/{name}_0001.py",
    "tests/test_{name}.py",
    "README.md",
]


def new(*args: str, paths: str = "") -> Result:
    """`shopdb plugin new ARGS...` with SHOPDB_PLUGIN_PATHS set to `paths`."""
    return CliRunner().invoke(
        cli, ["plugin", "new", *args], env={"SHOPDB_PLUGIN_PATHS": paths or None}
    )


def written(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def expected_files(name: str) -> list[str]:
    return sorted(path.format(name=name) for path in FILES)


# Names and folders ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Torque-Tools", "lowercase letters and digits only"),
        ("9lives", "lowercase letters and digits only"),
        ("assets", "reserved by the ShopDB core"),
        ("heads", "reserved by the ShopDB core"),
        ("json", "already an importable Python module"),
        ("x" * (NAME_LENGTH + 1), f"longer than {NAME_LENGTH} characters"),
    ],
)
def test_a_name_that_cannot_be_a_plugin_is_refused(plugins_dir, name, reason):
    result = new(name, "--description", "Tools", "--directory", str(plugins_dir))
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot create the plugin:"), result.output
    assert reason in result.output and len(result.output.strip().splitlines()) == 1
    assert list(plugins_dir.iterdir()) == []


def test_a_name_taken_by_a_plugin_found_elsewhere_is_refused(make_plugin, plugins_dir, tmp_path):
    taken = make_plugin().name
    result = new(taken, "--description", "Again", "--directory", str(tmp_path / "other"))
    assert result.exit_code == 0  # the other directory is not searched by this site
    result = new(
        taken,
        "--description",
        "Again",
        "--directory",
        str(tmp_path / "third"),
        paths=str(plugins_dir),
    )
    assert result.exit_code == 1
    assert f"the name {taken!r} is taken by the plugin at {plugins_dir / taken}" in result.output
    assert not (tmp_path / "third").exists()


def test_an_existing_folder_is_replaced_only_with_overwrite(plugins_dir):
    name = unique_name("o")
    assert new(name, "--description", "First", paths=str(plugins_dir)).exit_code == 0
    stray = plugins_dir / name / "notes.txt"
    stray.write_text("kept?")

    refused = new(name, "--description", "Second", paths=str(plugins_dir))
    assert refused.exit_code == 1
    assert f"{plugins_dir / name} already exists" in refused.output
    assert "--overwrite" in refused.output and stray.exists()

    replaced = new(name, "--description", "Second", "--overwrite", paths=str(plugins_dir))
    assert replaced.exit_code == 0, replaced.output
    assert not stray.exists()
    assert written(plugins_dir / name) == expected_files(name)
    manifest = json.loads((plugins_dir / name / "manifest.json").read_text())
    assert manifest["description"] == "Second"


def test_the_directory_is_the_first_plugin_path_else_plugins(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    name = unique_name("d")
    result = new(name, "--description", "Here", paths=os.pathsep.join([str(first), str(second)]))
    assert result.exit_code == 0, result.output
    assert (first / name / "manifest.json").is_file()
    assert f"{first.resolve()} is in SHOPDB_PLUGIN_PATHS" in result.output

    monkeypatch.chdir(tmp_path)
    result = new(name, "--description", "Here")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "plugins" / name / "manifest.json").is_file()
    assert f"export SHOPDB_PLUGIN_PATHS={(tmp_path / 'plugins').resolve()}" in result.output


# What it writes ---------------------------------------------------------------


def test_it_writes_a_complete_plugin_and_says_what_next(plugins_dir):
    name = unique_name("w")
    result = new(
        name,
        "--description",
        "  Torque wrenches:   capacity and drive size ",
        "--author",
        "Plant 2 IT",
        "--directory",
        str(plugins_dir),
    )
    assert result.exit_code == 0, result.output
    folder = plugins_dir / name
    assert written(folder) == expected_files(name)

    major, minor, _ = (int(part) for part in __contract_version__.split("."))
    assert json.loads((folder / "manifest.json").read_text()) == {
        "name": name,
        "version": "0.1.0",
        "description": "Torque wrenches: capacity and drive size",
        "author": "Plant 2 IT",
        "dependencies": [],
        "core_version": f">={major}.{minor},<{major + 1}",
        "api_prefix": f"/api/{name}",
    }
    migration = (folder / "migrations" / f"{name}_0001.py").read_text()
    assert f'revision: str = "{name}_0001"' in migration
    assert f'branch_labels: str | Sequence[str] | None = ("{name}",)' in migration
    assert f'depends_on: str | Sequence[str] | None = "{core_head()}"' in migration
    for source in folder.rglob("*.py"):
        imported = re.findall(r"^(?:from|import) (shopdb[.\w]*)", source.read_text(), re.M)
        allowed = {"shopdb.api"} | ({"shopdb.testing"} if "tests" in source.parts else set())
        assert set(imported) <= allowed, source

    lines = result.output.splitlines()
    assert lines[0] == f"Wrote the plugin {name} to {folder.resolve()}:"
    assert f"export SHOPDB_PLUGIN_PATHS={plugins_dir.resolve()}" in result.output
    assert f"shopdb plugin install {name}" in result.output
    assert "Restart ShopDB" in result.output
    assert f"python -m pytest {folder.resolve() / 'tests'}" in result.output
    contract = "python -m pytest --pyargs shopdb.testing.contract"
    assert f"SHOPDB_PLUGIN_PATHS={plugins_dir.resolve()} {contract}" in result.output


@pytest.mark.parametrize(
    "name",
    [
        "s",  # the model and the resource constant would both be "S"
        "bases",  # the model would be "Base", which models.py imports
        "gauges",
        "gauges".ljust(NAME_LENGTH, "x"),
    ],
)
def test_the_generated_plugin_loads_and_its_code_is_clean(plugins_dir, name):
    """Names of every length give code that loads strictly and that ruff,
    with this repository's settings, leaves as it is."""
    assert new(name, "--description", "Clean", "--directory", str(plugins_dir)).exit_code == 0
    loaded = load_plugins([plugins_dir / name], strict=True).get(name)
    assert loaded.tables == {name}
    (resource,) = loaded.parts.resources
    assert resource.name == name and resource.asset_type
    assert [item.url for item in loaded.parts.navigation] == [f"/{name}"]
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(BIN / "ruff"), *command, str(plugins_dir / name)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_generated_plugin_is_fully_annotated_and_type_checks(plugins_dir, tmp_path):
    """mypy, with the settings ShopDB's own plugins are checked with (every
    function annotated, no untyped calls, strict equality, no unused ignores),
    finds nothing in the generated plugin and its tests (ShopDB itself is
    checked by the suite)."""
    name = unique_name("t")
    assert new(name, "--description", "Typed", "--directory", str(plugins_dir)).exit_code == 0
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\npython_version = 3.11\nfollow_imports = silent\n"
        "disallow_untyped_defs = True\ndisallow_incomplete_defs = True\n"
        "disallow_untyped_calls = True\nextra_checks = True\nno_implicit_reexport = True\n"
        "strict_equality = True\nwarn_unused_ignores = True\ncheck_untyped_defs = True\n"
    )
    result = subprocess.run(
        [
            *(str(BIN / "mypy"), "--config-file", str(config)),
            *("--cache-dir", str(tmp_path / "cache"), str(plugins_dir / name)),
        ],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(ROOT)},  # this checkout's shopdb (py.typed)
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# End to end -------------------------------------------------------------------


def environment(**values: str) -> dict[str, str]:
    """This environment without the test run's own ShopDB and pytest settings."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHOPDB_", "PYTEST_")) and key != "DATABASE_URL"
    }
    return {**kept, **values}


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.slow
@pytest.mark.database
def test_a_generated_plugin_installs_and_passes_its_tests_and_the_contract_suite(
    tmp_path, database_url
):
    plugins, site = tmp_path / "plugins", tmp_path / "site"
    name = unique_name("e")
    env = environment(
        SHOPDB_PLUGIN_PATHS=str(plugins), SHOPDB_INSTANCE_PATH=str(site), DATABASE_URL=database_url
    )
    shopdb = str(BIN / "shopdb")
    output = run([shopdb, "plugin", "new", name, "--description", "End to end"], env, tmp_path)
    assert f"{plugins.resolve()} is in SHOPDB_PLUGIN_PATHS" in output

    run([shopdb, "db", "upgrade"], env, tmp_path)
    assert f"Installed and enabled {name} 0.1.0." in run(
        [shopdb, "plugin", "install", name], env, tmp_path
    )
    listing = run([shopdb, "plugin", "list"], env, tmp_path)  # a new process: a restart
    assert re.search(rf"^{name}\s+0\.1\.0\s+directory\s+yes\s+yes\s+loaded$", listing, re.M)

    pytest_command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    own = run(
        [*pytest_command, "-v", "--basetemp", str(tmp_path / "own"), str(plugins / name / "tests")],
        environment(),
        tmp_path,
    )
    # Five tests of its own, and the generic suite (shopdb.testing) over its resource.
    assert "TestResource::test_permission_matrix PASSED" in own, own
    passed = re.search(r"(\d+) passed", own)
    assert passed and int(passed.group(1)) >= 15, own
    assert " failed" not in own and " error" not in own, own

    suite = environment(SHOPDB_PLUGIN_PATHS=str(plugins))
    if SERVER_URL:
        suite["SHOPDB_TEST_DATABASE_URL"] = SERVER_URL
    contract = run(
        [
            *pytest_command,
            "-v",
            "--basetemp",
            str(tmp_path / "contract"),
            "-k",
            name,  # leave out the bundled plugins: they have runs of their own
            "--pyargs",
            "shopdb.testing.contract",
        ],
        suite,
        ROOT,
    )
    assert f"test_installs_and_its_migrations_match_its_models[{name}] PASSED" in contract
    assert f"TestResource_{name}_{name}::test_permission_matrix[{name}] PASSED" in contract
    passed = re.search(r"(\d+) passed", contract)
    assert passed and int(passed.group(1)) >= 15, contract
    assert " failed" not in contract and " error" not in contract, contract
