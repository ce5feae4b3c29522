"""What the contract suite runs over, and where.

The plugins are those the site's configuration finds: bundled ones, folders in
SHOPDB_PLUGIN_PATHS (read as the app reads it) and installed entry points.
Each is loaded once when the suite is collected, before any test runs, so the
loader sees every table its import creates; what that gave is kept as plain
data (`survey()`) and the plugin is forgotten again. Tests that need a
database share one `PluginSite` (shopdb.testing.sites) per plugin per test
process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from shopdb.errors import ConfigError
from shopdb.plugins import (
    Discovery,
    FatalPluginError,
    PluginError,
    PluginSource,
    discover_plugins,
    load_plugins,
    read_manifest,
)
from shopdb.plugins.isolation import ModelSnapshot
from shopdb.testing.resources import ResourceCase
from shopdb.testing.sites import PLUGIN_PATHS

# What the plugins are ------------------------------------------------------------


@dataclass
class PluginReport:
    """One plugin as found and as loaded alone (with what it depends on)."""

    name: str
    source: PluginSource | None
    packages: list[str] = field(default_factory=list)  # its own and its dependencies'
    error: str = ""  # why it cannot be found or loaded strictly
    tables: frozenset[str] = frozenset()
    cases: list[ResourceCase] = field(default_factory=list)


@dataclass
class Survey:
    """Every plugin found, and the tables each claimed when all loaded together
    (as on a site that installs them all); `problem` is why none could be
    searched for (a SHOPDB_PLUGIN_PATHS entry that is no folder)."""

    plugins: dict[str, PluginReport] = field(default_factory=dict)
    together: dict[str, frozenset[str]] = field(default_factory=dict)
    together_errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""

    @property
    def names(self) -> list[str]:
        return sorted(self.plugins)


@functools.cache
def survey() -> Survey:
    try:
        discovery = discover_plugins(PLUGIN_PATHS)
    except ConfigError as error:
        return Survey(problem=str(error))
    result = Survey()
    for name, problem in discovery.errors.items():
        result.plugins[name] = PluginReport(name, None, error=str(problem))
    for source in discovery.sources:
        result.plugins[source.name] = _load_alone(source.name, discovery)
    _load_together(discovery, result)
    return result


def with_dependencies(name: str, discovery: Discovery) -> list[PluginSource]:
    """The plugin's source and those of what it needs, as found; a dependency
    that is missing is left for the loader to name."""
    by_name = {source.name: source for source in discovery.sources}
    chosen: dict[str, PluginSource] = {}
    waiting = [name]
    while waiting:
        current = waiting.pop()
        if current in chosen or current not in by_name:
            continue
        chosen[current] = by_name[current]
        try:
            waiting.extend(read_manifest(by_name[current].folder).dependencies)
        except PluginError:
            continue  # the loader reports it
    return list(chosen.values())


def _load_alone(name: str, discovery: Discovery) -> PluginReport:
    sources = with_dependencies(name, discovery)
    report = PluginReport(name, sources[0], packages=[source.package for source in sources])
    snapshot = ModelSnapshot.take()
    try:
        loaded = load_plugins(sources, strict=True).get(name)
        assert loaded is not None, name  # strict: a plugin that fails raises
        report.tables = loaded.tables
        report.cases = [ResourceCase.declared(resource) for resource in loaded.parts.resources]
    except PluginError as error:
        report.error = str(error)
    except Exception as error:  # a resource the generic tests cannot be derived for
        report.error = f"Plugin {name!r}: {type(error).__name__}: {error}"
    finally:
        snapshot.restore(report.packages)
    return report


def _load_together(discovery: Discovery, survey: Survey) -> None:
    snapshot = ModelSnapshot.take()
    try:
        result = load_plugins(discovery, strict=False)
        survey.together = {loaded.name: loaded.tables for loaded in result.plugins}
        survey.together_errors = {name: str(error) for name, error in result.errors.items()}
    except FatalPluginError as error:
        survey.together_errors = {error.plugin: str(error)}
    finally:
        snapshot.restore([source.package for source in discovery.sources])
