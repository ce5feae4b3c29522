"""Load plugins: manifests first, then order, then code, each plugin checked.

1. Read and validate every manifest; no plugin code runs before this is done.
2. Order by dependencies (missing dependencies and cycles fail here).
3. Import each plugin in order, create its `Plugin`, attach the manifest, call
   its data hooks once and check them, including who owns which table.

A plugin that fails any step is left out together with every plugin that
depends on it, and whatever its import registered (tables, mappers, modules)
is forgotten again. With strict=True (development, tests) the first error is
raised; with strict=False (production) the errors are returned by plugin name,
for the app to log, store and show, and the app keeps booting. The one
exception is a plugin whose models altered another owner's models (inheriting
a core model, adding columns to a core table): that cannot be undone, so it
raises FatalPluginError in either mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shopdb.models import Base
from shopdb.plugins.base import BasePlugin
from shopdb.plugins.contract import PluginParts, collect_parts
from shopdb.plugins.discovery import Discovery, PluginSource, unique_sources
from shopdb.plugins.errors import (
    FatalPluginError,
    PluginContractError,
    PluginDependencyError,
    PluginError,
)
from shopdb.plugins.importing import create_plugin, import_plugin_module
from shopdb.plugins.isolation import ModelSnapshot
from shopdb.plugins.manifest import PluginManifest, read_manifest
from shopdb.plugins.ordering import resolve_order
from shopdb.plugins.ownership import TableOwners
from shopdb.version import __contract_version__


@dataclass(frozen=True)
class LoadedPlugin:
    """A plugin that passed every check, with the checked results of its hooks."""

    plugin: BasePlugin
    manifest: PluginManifest
    source: PluginSource
    parts: PluginParts
    tables: frozenset[str]

    @property
    def name(self) -> str:
        return self.manifest.name


@dataclass
class LoadResult:
    """The loaded plugins in load order, and an error per plugin left out."""

    plugins: list[LoadedPlugin] = field(default_factory=list)
    errors: dict[str, PluginError] = field(default_factory=dict)

    def get(self, name: str) -> LoadedPlugin | None:
        return next((loaded for loaded in self.plugins if loaded.name == name), None)


class _Collector:
    """Records errors; in strict mode the first one is raised instead."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.errors: dict[str, PluginError] = {}

    def add(self, error: PluginError) -> None:
        if self.strict:
            raise error
        self.errors.setdefault(error.plugin, error)


def load_plugins(
    plugins: Discovery | Iterable[PluginSource | Path],
    *,
    strict: bool,
    contract_version: str = __contract_version__,
) -> LoadResult:
    """Load the given plugins (a Discovery, sources, or plugin folders, which
    are taken as plugins from a site's plugin directory)."""
    collector = _Collector(strict)
    sources = _sources(plugins, collector)

    manifests: dict[str, PluginManifest] = {}
    for source in sources:
        try:
            manifests[source.name] = read_manifest(source.folder, contract_version=contract_version)
        except PluginError as error:
            collector.add(error)
    _check_api_prefixes(manifests, collector)

    ordered, dependency_errors = resolve_order(
        (m for name, m in manifests.items() if name not in collector.errors), collector.errors
    )
    for problem in dependency_errors.values():
        collector.add(problem)

    by_name = {source.name: source for source in sources}
    owners = TableOwners()
    result = LoadResult()
    for manifest in ordered:
        failed = sorted(set(manifest.dependencies) & set(collector.errors))
        if failed:
            collector.add(
                PluginDependencyError(
                    manifest.name,
                    f"it depends on {failed[0]!r}, which failed to load (see that "
                    f"plugin's error); {manifest.name!r} is left out until it loads.",
                )
            )
            continue
        try:
            result.plugins.append(_load_one(by_name[manifest.name], manifest, owners))
        except FatalPluginError:
            raise
        except PluginError as error:
            collector.add(error)
    result.errors = collector.errors
    return result


def _sources(
    plugins: Discovery | Iterable[PluginSource | Path], collector: _Collector
) -> list[PluginSource]:
    if isinstance(plugins, Discovery):
        for error in plugins.errors.values():
            collector.add(error)
        candidates: Iterable[PluginSource | Path] = plugins.sources
    else:
        candidates = plugins
    sources, duplicates = unique_sources(
        item if isinstance(item, PluginSource) else PluginSource.directory(item)
        for item in candidates
    )
    for error in duplicates.values():
        collector.add(error)
    return sources


def _check_api_prefixes(manifests: dict[str, PluginManifest], collector: _Collector) -> None:
    """Two plugins may not mount their routes at the same prefix; the later
    name alphabetically is refused, so the outcome does not depend on disk order."""
    taken: dict[str, str] = {}
    for name in sorted(manifests):
        prefix = manifests[name].api_prefix
        if prefix in taken:
            collector.add(
                PluginContractError(
                    name,
                    f"its api_prefix {prefix!r} is already used by plugin {taken[prefix]!r}; "
                    "set a different api_prefix in manifest.json.",
                )
            )
            del manifests[name]
        else:
            taken[prefix] = name


def _load_one(source: PluginSource, manifest: PluginManifest, owners: TableOwners) -> LoadedPlugin:
    """Import, create and check one plugin; on any failure forget what it registered."""
    snapshot = ModelSnapshot.take()
    try:
        module = import_plugin_module(source, owners)
        plugin = create_plugin(source, module, manifest)
        parts = collect_parts(plugin)
        tables = owners.check(
            manifest.name, parts.models, snapshot.new_tables(), snapshot.new_mappers()
        )
        _configure_models(manifest.name)
    except BaseException as error:
        lasting = snapshot.restore([source.package])
        if lasting and isinstance(error, PluginError):
            raise FatalPluginError(
                manifest.name,
                f"{error.problem} Loading it also changed models it does not own "
                f"({'; '.join(lasting)}), which cannot be undone while ShopDB runs; "
                "remove the plugin and start ShopDB again.",
            ) from error
        raise
    owners.claim(manifest.name, tables)
    return LoadedPlugin(plugin, manifest, source, parts, tables)


def _configure_models(plugin: str) -> None:
    """Resolve the plugin's relationships now: a broken one would otherwise
    fail the first query anywhere in the app, not this plugin's load."""
    try:
        Base.registry.configure()
    except Exception as error:
        raise PluginContractError(
            plugin, f"its models do not configure: {type(error).__name__}: {error}"
        ) from error
