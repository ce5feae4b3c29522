"""Discovery finds bundled plugins, a site's plugin directories and installed
packages with a `shopdb.plugins` entry point, without importing any of them."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import shopdb
import shopdb.bundled
from shopdb.errors import ConfigError
from shopdb.plugins import (
    Origin,
    PluginContractError,
    PluginNotFoundError,
    discover_plugins,
    load_plugins,
)
from shopdb.plugins.discovery import BUNDLED_PATH
from tests.plugins.builder import EMPTY_CODE, MINIMAL_CODE, unique_name, write_plugin


@pytest.fixture
def no_bundled(tmp_path: Path) -> Path:
    """An empty bundled folder, so tests see only the plugins they make."""
    folder = tmp_path / "nobundled"
    folder.mkdir()
    return folder


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path where fake distributions are 'installed'."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def install(site: Path, distribution: str, entry_points: dict[str, str]) -> None:
    """What pip leaves behind: a .dist-info folder with METADATA and entry_points.txt."""
    info = site / f"{distribution}-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0.0\n", encoding="utf-8"
    )
    lines = [f"{name} = {value}" for name, value in entry_points.items()]
    (info / "entry_points.txt").write_text(
        "[shopdb.plugins]\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    importlib.invalidate_caches()


def ours(discovery, *names):
    return [source for source in discovery.sources if source.name in names]


# Bundled and plugin directories ------------------------------------------------------


def test_the_bundled_folder_is_found_without_importing_it():
    assert Path(shopdb.bundled.__file__).parent == BUNDLED_PATH


def test_bundled_plugins_are_subfolders_with_a_manifest(tmp_path, no_bundled):
    bundled = tmp_path / "bundled"
    one, two = unique_name("a"), unique_name("b")
    write_plugin(bundled, one, code=EMPTY_CODE)
    write_plugin(bundled, two, code=EMPTY_CODE)
    (bundled / "__pycache__").mkdir()
    (bundled / "notaplugin").mkdir()
    discovery = discover_plugins(bundled_path=bundled)
    assert discovery.errors == {}
    sources = ours(discovery, one, two)
    assert [source.name for source in sources] == [one, two]
    assert {source.origin for source in sources} == {Origin.BUNDLED}
    assert sources[0].module == f"shopdb.bundled.{one}"
    assert sources[0].folder == (bundled / one).resolve()


def test_a_bundled_plugin_is_imported_as_part_of_shopdb(tmp_path, monkeypatch):
    bundled = tmp_path / "bundled"
    name = unique_name()
    write_plugin(bundled, name)
    monkeypatch.setattr(shopdb.bundled, "__path__", [*shopdb.bundled.__path__, str(bundled)])
    result = load_plugins(discover_plugins(bundled_path=bundled), strict=True)
    (loaded,) = [loaded for loaded in result.plugins if loaded.name == name]
    assert type(loaded.plugin).__module__ == f"shopdb.bundled.{name}"
    monkeypatch.delitem(sys.modules, f"shopdb.bundled.{name}")


def test_plugin_directories_are_searched_in_order(tmp_path, no_bundled):
    first, second = tmp_path / "first", tmp_path / "second"
    one, two = unique_name(), unique_name()
    write_plugin(first, one, code=EMPTY_CODE)
    write_plugin(second, two, code=EMPTY_CODE)
    discovery = discover_plugins([first, str(second)], bundled_path=no_bundled)
    assert [source.name for source in ours(discovery, one, two)] == [one, two]
    assert all(source.origin is Origin.DIRECTORY for source in ours(discovery, one, two))
    assert one not in sys.modules


def test_a_missing_plugin_directory_is_a_configuration_error(tmp_path, no_bundled):
    with pytest.raises(ConfigError, match=r"SHOPDB_PLUGIN_PATHS lists .*nothere, which is not"):
        discover_plugins([tmp_path / "nothere"], bundled_path=no_bundled)


def test_a_plugin_folder_listed_as_a_directory_is_explained(make_plugin, no_bundled):
    folder = make_plugin(code=EMPTY_CODE)
    with pytest.raises(ConfigError, match="is a plugin folder itself"):
        discover_plugins([folder], bundled_path=no_bundled)


def test_two_plugins_with_one_name_name_both_folders(tmp_path, no_bundled):
    name = unique_name()
    one = write_plugin(tmp_path / "one", name)
    two = write_plugin(tmp_path / "two", name)
    discovery = discover_plugins([tmp_path / "one", tmp_path / "two"], bundled_path=no_bundled)
    assert ours(discovery, name) == []
    error = discovery.errors[name]
    assert isinstance(error, PluginContractError)
    assert f"{one.resolve()} (directory) and {two.resolve()} (directory)" in str(error)
    with pytest.raises(PluginContractError, match="two plugins have this name"):
        load_plugins(discovery, strict=True)


# Entry points --------------------------------------------------------------------


def test_an_installed_package_is_found_by_its_entry_point(site_packages, no_bundled):
    name = unique_name()
    folder = write_plugin(site_packages, name)
    install(site_packages, f"shopdb-{name}", {name: name})

    discovery = discover_plugins(bundled_path=no_bundled)

    (source,) = ours(discovery, name)
    assert source.origin is Origin.ENTRYPOINT
    assert source.folder == folder.resolve()
    assert source.module == source.package == name
    assert name not in sys.modules, "discovery must not import the plugin"
    (loaded,) = [item for item in load_plugins(discovery, strict=True).plugins if item.name == name]
    assert loaded.tables == {f"{name}widgets"}


def test_an_entry_point_may_name_a_module_inside_the_plugin_package(site_packages, no_bundled):
    vendor, name = unique_name("vendor"), unique_name()
    (site_packages / vendor).mkdir()
    (site_packages / vendor / "__init__.py").write_text("raise RuntimeError('imported')\n")
    write_plugin(
        site_packages / vendor,
        name,
        code="raise RuntimeError('imported')\n",
        files={"plugin.py": MINIMAL_CODE},
    )
    install(site_packages, f"{vendor}-widgets", {name: f"{vendor}.{name}.plugin"})

    discovery = discover_plugins(bundled_path=no_bundled)

    (source,) = ours(discovery, name)
    assert source.package == f"{vendor}.{name}"
    assert source.module == f"{vendor}.{name}.plugin"
    assert source.folder == (site_packages / vendor / name).resolve()
    assert not [module for module in sys.modules if module.startswith(vendor)]


@pytest.mark.parametrize(
    ("value", "error_type", "expected"),
    [
        ("__NAME__:Plugin", PluginContractError, "must name a module, not an object"),
        ("nosuchmodule__NAME__", PluginNotFoundError, "names a module that is not installed"),
        ("__NAME__.sub", PluginContractError, "whose name is not"),
        ("loose__NAME__", PluginContractError, "names a top-level module"),
    ],
)
def test_a_broken_entry_point_is_reported(site_packages, no_bundled, value, error_type, expected):
    name = unique_name()
    write_plugin(site_packages, name)
    (site_packages / name / "sub").mkdir()
    (site_packages / name / "sub" / "__init__.py").write_text("")
    (site_packages / f"loose{name}.py").write_text("")
    install(site_packages, f"broken-{name}", {name: value.replace("__NAME__", name)})

    discovery = discover_plugins(bundled_path=no_bundled)

    assert ours(discovery, name) == []
    error = discovery.errors[name]
    assert isinstance(error, error_type)
    assert expected in str(error)
    assert name not in sys.modules


def test_an_entry_point_and_a_folder_with_one_name_name_both(site_packages, tmp_path, no_bundled):
    name = unique_name()
    installed = write_plugin(site_packages, name)
    install(site_packages, f"shopdb-{name}", {name: name})
    dropped = write_plugin(tmp_path / "plugins", name)

    discovery = discover_plugins([tmp_path / "plugins"], bundled_path=no_bundled)

    message = str(discovery.errors[name])
    assert f"{dropped.resolve()} (directory)" in message
    assert f"{installed.resolve()} (entrypoint)" in message
