"""The contract suite: every plugin found (bundled, in SHOPDB_PLUGIN_PATHS or
installed as an entry point) against the plugin contract. A site runs it on
its own plugins from any folder:

    SHOPDB_PLUGIN_PATHS=/path/to/plugins python -m pytest --pyargs shopdb.testing.contract

(it ships in the `shopdb` package; it needs the `test` extra, `pip install
shopdb[test]`, and a ShopDB checkout is not needed).

Per plugin: the manifest is valid; it loads strictly (every hook returns the
documented type, its models create exactly the tables it declares); no table
has another owner; on a fresh database `shopdb db upgrade` and `shopdb plugin
install` succeed and the migrations create exactly what the models declare;
its migration branch goes down to base and up again; and each of its
resources passes the generic resource suite (shopdb.testing.resources).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate as validate_spec
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from sqlalchemy import Column

from shopdb.database import get_database
from shopdb.plugins import read_manifest
from shopdb.plugins.ownership import core_tables
from shopdb.plugins.runtime import current_runtime
from shopdb.services import migrations
from shopdb.testing.contract.support import survey
from shopdb.testing.resources import ResourceCase, ResourceTests
from shopdb.testing.sites import PluginSite, stop, table_names

SURVEY = survey()
NAMES = SURVEY.names

if SURVEY.problem:

    def test_the_plugin_directories_can_be_searched():
        pytest.fail(SURVEY.problem, pytrace=False)


# Without a database ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_manifest_is_valid(name):
    report = SURVEY.plugins[name]
    if report.source is None:
        pytest.fail(report.error, pytrace=False)
    assert read_manifest(report.source.folder).name == name


@pytest.mark.parametrize("name", NAMES)
def test_loads_strictly(name):
    """Hooks return the documented types; the models create exactly the
    tables the plugin declares, none of them a core table."""
    error = SURVEY.plugins[name].error
    if error:
        pytest.fail(error, pytrace=False)


@pytest.mark.parametrize("name", NAMES)
def test_its_tables_have_no_other_owner(name):
    """Loaded together with every other plugin found, as on a site that
    installs them all, no other plugin claims one of its tables."""
    report = SURVEY.plugins[name]
    if report.error:
        pytest.fail(f"{name} does not load, so who owns its tables is unknown", pytrace=False)
    tables = report.tables
    assert not tables & core_tables()
    claims = [
        f"{other} declares {', '.join(sorted(theirs & tables))}"
        for other, theirs in SURVEY.together.items()
        if other != name and theirs & tables
    ]
    claims += [
        error
        for error in SURVEY.together_errors.values()
        if any(f"table {table!r}" in error for table in tables)
    ]
    assert not claims, f"{name}: a table has more than one owner: " + "; ".join(claims)


# On a database where the plugin is installed ------------------------------------


def differences_text(differences: list[Any]) -> str:
    """Alembic's comparison, one line per difference, objects by name."""
    lines = []
    for difference in differences:
        items = difference if isinstance(difference, list) else [difference]
        for operation, *parts in items:
            named = [
                _named(part) for part in parts if part is not None and not isinstance(part, dict)
            ]
            lines.append(f"  {operation} {' '.join(named)}")
    return "\n".join(lines)


def _named(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Column) and part.table is not None:
        return f"{part.table.name}.{part.name}"
    name = getattr(part, "name", None)
    return str(name) if isinstance(name, str) else repr(part)


def assert_models_match(app: Flask, name: str) -> frozenset[str]:
    loaded = current_runtime(app).get(name)
    assert loaded is not None, f"{name} is installed but did not load when ShopDB started"
    engine = get_database(app).engine
    differences = migrations.model_differences(engine, tables=loaded.tables)
    if differences:
        pytest.fail(
            f"The migrations of {name} do not create what its models declare on "
            f"{engine.dialect.name}:\n{differences_text(differences)}",
            pytrace=False,
        )
    return loaded.tables


@pytest.mark.database
@pytest.mark.parametrize("plugin_site", NAMES, indirect=True)
def test_installs_and_its_migrations_match_its_models(plugin_site: PluginSite):
    app = plugin_site.start()
    try:
        assert_models_match(app, plugin_site.name)
        expected = set().union(*(loaded.tables for loaded in current_runtime(app).loaded))
        assert plugin_site.added == expected, (
            "plugin install created other tables than the models of the plugin and its "
            f"dependencies declare: created {sorted(plugin_site.added)}, declared "
            f"{sorted(expected)}"
        )
    finally:
        stop(app)


@pytest.mark.database
@pytest.mark.parametrize("plugin_site", NAMES, indirect=True)
def test_its_migration_branch_downgrades_to_base_and_upgrades_again(plugin_site: PluginSite):
    name = plugin_site.name
    app = plugin_site.start()
    try:
        plan = app.extensions[migrations.PLAN_KEY]
        if not any(branch.label == name for branch in plan.plugins):
            pytest.skip(f"{name} has no migration branch")
        loaded = current_runtime(app).get(name)
        assert loaded is not None, f"{name} is installed but did not load"
        tables = loaded.tables
        plugin_site.run(app, "plugin", "uninstall", name, "--drop-data", "--yes")
        left = tables & table_names(app)
        assert not left, f"the downgrade of {name} to base left {sorted(left)}"
        plugin_site.run(app, "plugin", "install", name)
    finally:
        stop(app)
    restarted = plugin_site.start()
    try:
        assert assert_models_match(restarted, name) <= table_names(restarted)
    finally:
        stop(restarted)


@pytest.mark.database
@pytest.mark.parametrize("plugin_site", NAMES, indirect=True)
def test_the_openapi_document_stays_valid_with_it(plugin_site: PluginSite):
    """Code generators read /api/openapi.json: the plugin's schemas (its
    collector record too) must keep it valid OpenAPI 3.0."""
    app = plugin_site.start()
    try:
        document = app.test_client().get("/api/openapi.json").get_json()
    finally:
        stop(app)
    try:
        validate_spec(document)
    except OpenAPIValidationError as error:
        pytest.fail(
            f"With {plugin_site.name} active, /api/openapi.json is not valid OpenAPI: "
            f"{error.message} at {'/'.join(map(str, error.absolute_path))}",
            pytrace=False,
        )


# Each resource through the generic suite ---------------------------------------


def resource_tests(plugin: str, case: ResourceCase) -> type[ResourceTests]:
    """The generic suite over one resource of one plugin, on that plugin's
    site; every test gets a freshly started app and leaves the site emptied
    and installed again."""

    @pytest.fixture
    def app(self: ResourceTests, plugin_site: PluginSite) -> Iterator[Flask]:
        with plugin_site.serving() as started:
            yield started

    name = re.sub(r"\W", "_", f"TestResource_{plugin}_{case.name}")
    marks = [pytest.mark.database, pytest.mark.parametrize("plugin_site", [plugin], indirect=True)]
    return type(name, (ResourceTests,), {"case": case, "app": app, "pytestmark": marks})


for _name in NAMES:
    for _case in SURVEY.plugins[_name].cases:
        _class = resource_tests(_name, _case)
        globals()[_class.__name__] = _class
