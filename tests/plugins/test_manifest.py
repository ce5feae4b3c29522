"""Manifests are validated field by field before any plugin code runs."""

from __future__ import annotations

import json

import pytest
from packaging.specifiers import SpecifierSet

from shopdb.models import Base
from shopdb.plugins import (
    RESERVED_NAMES,
    PluginContractError,
    PluginNotFoundError,
    PluginVersionError,
    read_manifest,
)
from shopdb.plugins.ownership import ALEMBIC_TABLE, core_tables
from shopdb.resources.core import CORE_RESOURCES
from shopdb.version import __contract_version__
from tests.plugins.builder import unique_name


def manifest_error(make_plugin, name=None, **options):
    """The error reading the manifest of a plugin folder built from `options`."""
    folder = make_plugin(name, code=None, **options)
    with pytest.raises(PluginContractError) as caught:
        read_manifest(folder)
    return caught.value


def test_a_valid_manifest_reads_with_its_defaults(make_plugin):
    name = unique_name()
    folder = make_plugin(name, code=None)
    manifest = read_manifest(folder)
    assert manifest.name == name
    assert manifest.version == "1.0.0"
    assert manifest.author == "ShopDB tests"
    assert manifest.dependencies == ()
    assert manifest.api_prefix == f"/api/{name}"
    assert manifest.core_version == SpecifierSet(f">={__contract_version__}")
    assert manifest.path == folder


def test_dependencies_and_api_prefix_are_read(make_plugin):
    manifest = read_manifest(
        make_plugin(code=None, dependencies=["computers", "network"], api_prefix="/api/x/y-z")
    )
    assert manifest.dependencies == ("computers", "network")
    assert manifest.api_prefix == "/api/x/y-z"


def test_reading_a_manifest_imports_nothing(make_plugin):
    folder = make_plugin(code="raise RuntimeError('plugin code ran')")
    assert read_manifest(folder).name == folder.name


def test_a_folder_without_manifest_is_not_found(plugins_dir):
    folder = plugins_dir / "lonely"
    folder.mkdir()
    with pytest.raises(PluginNotFoundError, match=r"'lonely'.*has no manifest\.json"):
        read_manifest(folder)
    with pytest.raises(PluginNotFoundError, match="no plugin folder"):
        read_manifest(plugins_dir / "nothere")


def test_broken_json_names_line_and_column(make_plugin):
    error = manifest_error(make_plugin, manifest_text='{\n  "name": "x",\n  "version" "1.0.0"\n}')
    assert "not valid JSON" in str(error)
    assert "line 3, column 13" in str(error)


def test_a_key_given_twice_is_refused(make_plugin):
    error = manifest_error(make_plugin, manifest_text='{"name": "a", "name": "b"}')
    assert "'name' appears twice" in str(error)


def test_the_manifest_must_be_an_object(make_plugin):
    error = manifest_error(make_plugin, manifest_text="[1, 2]")
    assert "must hold a JSON object, not list" in str(error)


def test_a_missing_field_is_named(make_plugin):
    name = unique_name()
    data = {"name": name, "version": "1.0.0", "description": "d", "core_version": ">=0"}
    error = manifest_error(make_plugin, name, manifest=data)
    assert error.plugin == name
    assert "lacks the required field(s) author" in str(error)


def test_an_unknown_field_is_refused_with_a_suggestion(make_plugin):
    error = manifest_error(make_plugin, dependancies=["computers"])
    assert "unknown field(s) 'dependancies' (did you mean 'dependencies'?)" in str(error)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("version", 1, "'version' must be a string, not int"),
        ("description", "  ", "'description' is empty"),
        ("dependencies", "computers", "'dependencies' must be a list of plugin names"),
        ("dependencies", ["Computers"], "dependency 'Computers' is not a plugin name"),
        ("dependencies", ["a1", "a1"], "a dependency is listed twice"),
        ("api_prefix", 5, "'api_prefix' must be a string"),
    ],
)
def test_field_types_are_checked(make_plugin, field, value, expected):
    assert expected in str(manifest_error(make_plugin, **{field: value}))


def test_a_plugin_may_not_depend_on_itself(make_plugin):
    name = unique_name()
    assert "depends on itself" in str(manifest_error(make_plugin, name, dependencies=[name]))


@pytest.mark.parametrize("bad", ["Widgets", "1widgets", "wid-gets", "wid_gets", "w" * 51])
def test_a_bad_name_is_refused(make_plugin, bad):
    error = manifest_error(make_plugin, name=unique_name(), manifest=_data(bad))
    assert repr(bad) in str(error)


def test_the_name_must_equal_the_folder_name(make_plugin):
    folder_name, other = unique_name(), unique_name()
    error = manifest_error(make_plugin, folder_name, manifest=_data(other))
    assert error.plugin == folder_name
    assert f"names the plugin {other!r}, but its folder is {folder_name!r}" in str(error)


@pytest.mark.parametrize(
    "reserved", ["api", "auth", "assets", "settings", "users", "plugins", "head", "base"]
)
def test_a_reserved_name_is_refused(make_plugin, reserved):
    error = manifest_error(make_plugin, reserved, manifest=_data(reserved))
    assert f"the name {reserved!r} is reserved" in str(error)


def test_a_python_keyword_is_refused(make_plugin):
    assert "Python keyword" in str(manifest_error(make_plugin, "import", manifest=_data("import")))


def test_every_core_table_and_resource_name_is_reserved():
    core = core_tables() - {ALEMBIC_TABLE}
    assert core, "the core tables are found from the core models"
    assert core <= RESERVED_NAMES
    assert {resource.name for resource in CORE_RESOURCES} <= RESERVED_NAMES
    assert core <= set(Base.metadata.tables)


@pytest.mark.parametrize(
    "version",
    ["1.0", "1", "v1.2.3", "01.2.3", "1.2.3.4", "1.2.3.post1", "1.2.3+local", "one", "1.2.3.dev1"],
)
def test_a_version_that_is_not_semver_is_refused(make_plugin, version):
    error = manifest_error(make_plugin, version=version)
    assert f"the version {version!r} is not a semantic version" in str(error)


@pytest.mark.parametrize("version", ["0.0.1", "1.2.30", "2.0.0-rc.1"])
def test_semantic_versions_pass(make_plugin, version):
    assert read_manifest(make_plugin(code=None, version=version)).version == version


def test_an_incompatible_core_version_names_both_versions(make_plugin):
    name = unique_name()
    folder = make_plugin(name, code=None, core_version=">=2.0,<3")
    with pytest.raises(PluginVersionError) as caught:
        read_manifest(folder, contract_version="1.4.0")
    message = str(caught.value)
    assert caught.value.plugin == name
    assert "asks for core contract version '>=2.0,<3'" in message
    assert "this site runs contract version 1.4.0" in message


def test_the_site_contract_version_is_the_default(make_plugin):
    folder = make_plugin(code=None, core_version=f"!={__contract_version__}")
    with pytest.raises(PluginVersionError, match=f"runs contract version {__contract_version__}"):
        read_manifest(folder)


def test_a_compatible_range_passes(make_plugin):
    folder = make_plugin(code=None, core_version=">=1.0,<2")
    assert read_manifest(folder, contract_version="1.9.3").core_version.contains("1.9.3")


def test_an_invalid_specifier_is_a_contract_error(make_plugin):
    error = manifest_error(make_plugin, core_version="~=banana")
    assert "is not a PEP 440 specifier set" in str(error)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/api/widgets/", "must start with /api/, have no trailing slash"),
        ("/widgets", "must start with /api/"),
        ("/api", "must start with /api/"),
        ("/api/Widgets", "lowercase letters"),
        ("/api/auth/widgets", "is under /api/auth, which the core uses"),
    ],
)
def test_a_bad_api_prefix_is_refused(make_plugin, prefix, expected):
    assert expected in str(manifest_error(make_plugin, api_prefix=prefix))


def _data(name: str) -> dict:
    return {
        "name": name,
        "version": "1.0.0",
        "description": "d",
        "author": "a",
        "core_version": f">={__contract_version__}",
    }


def test_helper_data_is_a_valid_manifest(make_plugin):
    name = unique_name()
    folder = make_plugin(name, code=None, manifest_text=json.dumps(_data(name)))
    assert read_manifest(folder).name == name
