"""Load order: dependencies first, alphabetical among equals; missing
dependencies and cycles are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from shopdb.plugins import PluginContractError, PluginDependencyError, PluginManifest
from shopdb.plugins.ordering import order_by_dependencies, resolve_order


def manifest(name: str, *dependencies: str) -> PluginManifest:
    return PluginManifest(
        name=name,
        version="1.0.0",
        description=name,
        author="tests",
        dependencies=dependencies,
        core_version=SpecifierSet(">=0"),
        api_prefix=f"/api/{name}",
        path=Path("/nowhere") / name,
    )


def names(manifests) -> list[str]:
    return [item.name for item in manifests]


def test_dependencies_load_first_and_equals_alphabetically():
    plugins = [
        manifest("zeta"),
        manifest("alpha", "zeta"),
        manifest("beta"),
        manifest("gamma", "alpha", "beta"),
    ]
    assert names(order_by_dependencies(plugins)) == ["beta", "zeta", "alpha", "gamma"]


def test_the_order_does_not_depend_on_the_input_order():
    plugins = [manifest("c", "a"), manifest("b"), manifest("a"), manifest("d", "c")]
    expected = ["a", "b", "c", "d"]
    assert names(order_by_dependencies(plugins)) == expected
    assert names(order_by_dependencies(reversed(plugins))) == expected


def test_a_missing_dependency_names_the_plugin_and_the_dependency():
    with pytest.raises(PluginDependencyError) as caught:
        order_by_dependencies([manifest("usb", "computers"), manifest("network")])
    assert caught.value.plugin == "usb"
    assert "depends on 'computers', which is not installed" in str(caught.value)


def test_a_cycle_shows_its_path():
    with pytest.raises(PluginDependencyError) as caught:
        order_by_dependencies([manifest("b", "a"), manifest("a", "b")])
    assert "a -> b -> a" in str(caught.value)


def test_a_longer_cycle_is_reported_for_each_member_and_its_dependants():
    plugins = [
        manifest("a", "b"),
        manifest("b", "c"),
        manifest("c", "a"),
        manifest("d", "c"),
        manifest("e"),
    ]
    ordered, errors = resolve_order(plugins)
    assert names(ordered) == ["e"]
    assert set(errors) == {"a", "b", "c", "d"}
    for member in "abc":
        assert "its dependencies form a cycle: a -> b -> c -> a" in str(errors[member])
        assert errors[member].plugin == member
    assert "depends on 'c', which failed to load" in str(errors["d"])


def test_dependants_of_an_unavailable_plugin_fail_transitively():
    unavailable = {"base": PluginContractError("base", "broken manifest")}
    plugins = [manifest("middle", "base"), manifest("top", "middle"), manifest("free")]
    ordered, errors = resolve_order(plugins, unavailable)
    assert names(ordered) == ["free"]
    assert "depends on 'base', which failed to load" in str(errors["middle"])
    assert "depends on 'middle', which failed to load" in str(errors["top"])
    assert all(isinstance(error, PluginDependencyError) for error in errors.values())
