"""What the loader checks in a collector schema, so a collector that could
not work is refused when its plugin loads, naming the plugin and the hook."""

from __future__ import annotations

import pytest

from shopdb.plugins import Discovery, PluginContractError, load_plugins
from shopdb.plugins.runtime import PluginRuntime, check_resource_names
from tests.collectors.plugin import COLLECTOR_SCHEMA, write_device_plugin

TWO_RESOURCES = """[
            Devices(Device, asset_type=ASSET_TYPE, name="__NAME__devices"),
            Devices(Device, asset_type=ASSET_TYPE, name="__NAME__machines"),
        ]"""


def load(tmp_path, **options):
    folder = tmp_path / "plugins"
    name = write_device_plugin(folder, **options)
    return name, load_plugins([folder / name], strict=True)


def refused(tmp_path, **options) -> str:
    with pytest.raises(PluginContractError) as raised:
        load(tmp_path, **options)
    message = str(raised.value)
    assert "get_collector_schema()" in message
    return message


def test_a_good_schema_names_its_resource_and_builds_the_collector(tmp_path):
    name, result = load(tmp_path)
    parts = result.get(name).parts
    assert parts.collector_schema["resource"] == f"{name}devices"
    assert parts.collector.resource is parts.resources[0]
    assert parts.collector.casefold is True


def test_the_resource_can_be_named(tmp_path):
    schema = COLLECTOR_SCHEMA.replace(
        '"identityfield"', '"resource": "__NAME__machines", "identityfield"'
    )
    name, result = load(tmp_path, schema=schema, resources=TWO_RESOURCES)
    assert result.get(name).parts.collector.resource.name == f"{name}machines"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"schema": COLLECTOR_SCHEMA.replace('"hostname",', '"cpu",', 1)},
            "the identity field 'cpu' has no unique constraint",
        ),
        (
            {"schema": COLLECTOR_SCHEMA.replace('"cpu":', '"createdat":')},
            "the property 'createdat' is not a writable field of the resource",
        ),
        (
            {"schema": COLLECTOR_SCHEMA.replace('"cpu":', '"speed":')},
            "the property 'speed' is not a writable field",
        ),
        (
            {
                "schema": COLLECTOR_SCHEMA.replace(
                    '"identityfield"', '"resource": "nosuch", "identityfield"'
                )
            },
            "names the resource 'nosuch', which is not one of the plugin's resources",
        ),
        ({"resources": TWO_RESOURCES}, "does not say which resource pushes write through"),
        ({"resources": "[]"}, "the plugin has no resource for pushes to write through"),
        (
            {"schema": COLLECTOR_SCHEMA.replace('"integer", "minimum"', '"int", "minimum"')},
            "its JSON Schema is not valid (Draft 2020-12)",
        ),
        (
            {"schema": COLLECTOR_SCHEMA.replace('"casefold": True', '"casefold": "yes"')},
            "\"casefold\" on 'hostname' must be true or false",
        ),
        (
            {"schema": COLLECTOR_SCHEMA.replace('"identityfield"', '"extra": 1, "identityfield"')},
            "must return None or",
        ),
    ],
)
def test_a_collector_that_cannot_work_is_refused_at_load(tmp_path, options, expected):
    assert expected in refused(tmp_path, **options)


def test_the_default_resource_is_the_asset_extension(tmp_path):
    """Beside a plain resource (here over the same table), the asset
    extension is the one pushes write through."""
    resources = """[
            Resource(Device, name="__NAME__rows"),
            Devices(Device, asset_type=ASSET_TYPE, name="__NAME__devices"),
        ]"""
    name, result = load(tmp_path, resources=resources)
    assert result.get(name).parts.collector.resource.name == f"{name}devices"


def test_a_resource_may_not_take_the_collector_endpoints_name(tmp_path):
    resources = '[Devices(Device, asset_type=ASSET_TYPE, name="collectors")]'
    _name, result = load(tmp_path, resources=resources)
    runtime = PluginRuntime(Discovery(), {}, strict=True, loaded=result.plugins)
    with pytest.raises(PluginContractError, match="the collector endpoints"):
        check_resource_names(runtime, [])
