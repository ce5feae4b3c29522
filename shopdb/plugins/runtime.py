"""The plugins of one running app: which were found, which are active, what
each contributed, and why any failed.

The app factory calls `start_plugins` before it builds the API and
`wire_plugins` after: discovery finds every plugin, the database says which
are installed and enabled, the loader imports those, `init_app` runs, and then
their resources, blueprints and commands join the app. A plugin that fails
any step is left out with its dependents (or, when SHOPDB_PLUGIN_ERRORS is
`raise`, the error stops the app); the error is logged, kept here and stored
against the plugin's row, where `shopdb plugin list` and GET /api/plugins show it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app
from flask.cli import AppGroup
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint

from shopdb.cli.support import PluginCommandGroup
from shopdb.database import get_database
from shopdb.errors import DatabaseUnavailableError, raised_at
from shopdb.models import CORE_TABLES
from shopdb.plugins.discovery import Discovery, PluginSource, discover_plugins
from shopdb.plugins.errors import (
    PluginContractError,
    PluginDependencyError,
    PluginError,
    PluginNotFoundError,
)
from shopdb.plugins.loader import LoadedPlugin, load_plugins
from shopdb.plugins.manifest import PluginManifest, read_manifest
from shopdb.plugins.ordering import resolve_order
from shopdb.plugins.state import PluginState, read_states, store_load_errors
from shopdb.resources.collector import BLUEPRINT as COLLECTOR_BLUEPRINT
from shopdb.resources.collector import register_collectors
from shopdb.resources.definition import Resource
from shopdb.services.demo import PLUGIN_SEEDERS_KEY
from shopdb.services.migrations import PLAN_KEY, Branch, MigrationPlan

if TYPE_CHECKING:
    from shopdb.plugins.contributions import CollectorPart
    from shopdb.resources.collector import Collector

RUNTIME_KEY = "shopdb.plugins"
MIGRATIONS_FOLDER = "migrations"
logger = logging.getLogger("shopdb.plugins")


@dataclass
class PluginRuntime:
    """What the app knows about plugins after starting; `app.extensions["shopdb.plugins"]`."""

    discovery: Discovery
    states: dict[str, PluginState]
    strict: bool
    loaded: list[LoadedPlugin] = field(default_factory=list)
    errors: dict[str, PluginError] = field(default_factory=dict)
    state_unknown: str = ""  # why the database could not say which plugins are on

    def get(self, name: str) -> LoadedPlugin | None:
        return next((loaded for loaded in self.loaded if loaded.name == name), None)

    def source(self, name: str) -> PluginSource | None:
        return next((source for source in self.discovery.sources if source.name == name), None)

    @property
    def resources(self) -> list[Resource]:
        return [resource for loaded in self.loaded for resource in loaded.parts.resources]

    def fail(self, error: PluginError) -> None:
        """Leave a plugin out (raise instead when strict), with every loaded
        plugin that depends on it."""
        if self.strict:
            raise error
        self.errors.setdefault(error.plugin, error)
        logger.error("%s%s The plugin is left out; everything else is served.", error, _stop(error))
        failed = {error.plugin}
        for loaded in list(self.loaded):
            if loaded.name in failed:
                self.loaded.remove(loaded)
            elif failed & set(loaded.manifest.dependencies):
                failed.add(loaded.name)
                self.loaded.remove(loaded)
                self.errors.setdefault(
                    loaded.name,
                    PluginDependencyError(
                        loaded.name,
                        f"it depends on {error.plugin!r}, which failed to start (see that "
                        "plugin's error).",
                    ),
                )


def _stop(error: PluginError) -> str:
    """The full stop a message that ends without one needs before the next sentence."""
    return "" if str(error).endswith((".", "!", "?")) else "."


def current_runtime(app: Flask | None = None) -> PluginRuntime:
    return (app or current_app).extensions[RUNTIME_KEY]


# Start -----------------------------------------------------------------------


def start_plugins(app: Flask) -> PluginRuntime:
    """Discover, read the state, load the active plugins and run their
    `init_app`; store the runtime and the migration plan on the app."""
    strict = app.config["SHOPDB_PLUGIN_ERRORS"] == "raise"
    discovery = discover_plugins(app.config["SHOPDB_PLUGIN_PATHS"])
    engine = get_database(app).engine
    runtime = PluginRuntime(discovery, {}, strict)
    try:
        runtime.states = read_states(engine)
    except DatabaseUnavailableError as error:
        if app.config["SHOPDB_ENV"] == "production":
            raise
        runtime.state_unknown = str(error)
        logger.debug("Starting without plugins: %s", error)
    app.extensions[RUNTIME_KEY] = runtime

    active = {name for name, state in runtime.states.items() if state.active}
    # A plugin whose discovery failed (found twice, say) has that error, not "not found".
    unseen = active - {source.name for source in discovery.sources} - set(discovery.errors)
    for name in sorted(unseen):
        runtime.fail(_not_found(name, app.config["SHOPDB_PLUGIN_PATHS"], discovery))
    for name, problem in discovery.errors.items():
        if name in active:
            runtime.fail(problem)
    result = load_plugins(
        [source for source in discovery.sources if source.name in active], strict=strict
    )
    runtime.loaded = result.plugins
    for failed in result.errors.values():
        runtime.fail(failed)
    for loaded in list(runtime.loaded):
        if loaded in runtime.loaded:
            _init_app(app, runtime, loaded)
    get_database(app).tables.update(CORE_TABLES, *(loaded.tables for loaded in runtime.loaded))
    app.extensions[PLAN_KEY] = migration_plan(runtime)
    return runtime


def _not_found(name: str, paths: list[str], discovery: Discovery) -> PluginNotFoundError:
    searched = ", ".join(paths) if paths else "no SHOPDB_PLUGIN_PATHS"
    found = ", ".join(sorted(source.name for source in discovery.sources)) or "none"
    return PluginNotFoundError(
        name,
        f"it is installed and enabled on this database, but no plugin of that name was "
        f"found (bundled, {searched}, or an installed package; found: {found}). Put it "
        f"back, or run 'SHOPDB_PLUGIN_ERRORS=skip shopdb plugin uninstall {name}'.",
    )


def _init_app(app: Flask, runtime: PluginRuntime, loaded: LoadedPlugin) -> None:
    try:
        loaded.plugin.init_app(app)
    except Exception as error:
        where = raised_at(error, loaded.manifest.path)
        runtime.fail(
            PluginContractError(
                loaded.name, f"init_app() raised {type(error).__name__}: {error}{where}"
            ).with_traceback(error.__traceback__)
        )


def migration_plan(runtime: PluginRuntime, extra: Iterable[str] = ()) -> MigrationPlan:
    """The migration branches of the installed plugins (and `extra` ones about
    to be installed) that have a migrations folder, in dependency order."""
    names = {name for name, state in runtime.states.items() if state.isinstalled} | set(extra)
    manifests = installed_manifests(runtime, names)
    ordered, _errors = resolve_order(manifests.values(), {})
    branches = []
    for manifest in ordered:
        folder = manifest.path / MIGRATIONS_FOLDER
        if folder.is_dir():
            loaded = runtime.get(manifest.name)
            tables = loaded.tables if loaded else frozenset()
            branches.append(Branch(manifest.name, folder, tables))
    dormant = [
        source.folder / MIGRATIONS_FOLDER
        for source in runtime.discovery.sources
        if source.name not in names and (source.folder / MIGRATIONS_FOLDER).is_dir()
    ]
    found = {source.name for source in runtime.discovery.sources}
    missing = sorted(set(runtime.states) - found)
    available = tuple(
        (source.name, _version(source.folder), source.folder)
        for source in runtime.discovery.sources
    )
    return MigrationPlan(tuple(branches), tuple(dormant), tuple(missing), available)


def _version(folder: Path) -> str | None:
    try:
        return read_manifest(folder).version
    except PluginError:
        return None


def installed_manifests(runtime: PluginRuntime, names: Iterable[str]) -> dict[str, PluginManifest]:
    """The manifests of the named plugins that can be read (others are the
    loader's business: their errors are reported there)."""
    manifests = {}
    for name in names:
        loaded = runtime.get(name)
        if loaded is not None:
            manifests[name] = loaded.manifest
            continue
        source = runtime.source(name)
        if source is None:
            continue
        try:
            manifests[name] = read_manifest(source.folder)
        except PluginError:
            continue
    return manifests


# Wire ------------------------------------------------------------------------


def check_resource_names(runtime: PluginRuntime, core: Iterable[Resource]) -> None:
    """A plugin's resources live at /api/<name> beside the core's: a name
    already taken leaves the later plugin out."""
    taken = {resource.name: "the ShopDB core" for resource in core}
    # /api/collector/<plugin> and its blueprint belong to the collector endpoints.
    taken.update(dict.fromkeys(("collector", COLLECTOR_BLUEPRINT), "the collector endpoints"))
    for loaded in list(runtime.loaded):
        clashes = [r.name for r in loaded.parts.resources if r.name in taken]
        if clashes:
            runtime.fail(
                PluginContractError(
                    loaded.name,
                    f"its resource {clashes[0]!r} has the name of a resource of "
                    f"{taken[clashes[0]]}; give the resource another name.",
                )
            )
            continue
        taken.update(
            {resource.name: f"plugin {loaded.name!r}" for resource in loaded.parts.resources}
        )


def wire_plugins(app: Flask, api: Api) -> None:
    """Mount the active plugins' blueprints, commands and collector endpoints,
    then record the outcome of the start against each installed plugin."""
    runtime = current_runtime(app)
    for loaded in list(runtime.loaded):
        blueprint = loaded.parts.blueprint
        if blueprint is not None:
            if blueprint.name in app.blueprints or blueprint.name == COLLECTOR_BLUEPRINT:
                runtime.fail(
                    PluginContractError(
                        loaded.name,
                        f"its blueprint is named {blueprint.name!r}, a name already in use "
                        f"(by a resource or another blueprint); give it a name of its own, "
                        f"such as {loaded.name + 'extra'!r}.",
                    )
                )
                continue
            if isinstance(blueprint, SmorestBlueprint):
                api.register_blueprint(blueprint, url_prefix=loaded.manifest.api_prefix)
            else:
                app.register_blueprint(blueprint, url_prefix=loaded.manifest.api_prefix)
        if loaded.parts.cli_commands:
            app.cli.add_command(plugin_command_group(loaded))
    app.extensions[PLUGIN_SEEDERS_KEY] = [
        (loaded.name, loaded.plugin.seed_demo) for loaded in runtime.loaded
    ]
    # After the loop: a plugin left out above gets no collector endpoint.
    attach_collector_parts(runtime)
    register_collectors(
        api, [loaded.parts.collector for loaded in runtime.loaded if loaded.parts.collector]
    )
    _store_outcome(app, runtime)


def attach_collector_parts(runtime: PluginRuntime) -> None:
    """Give each collector the parts other plugins take (`get_collector_parts`).
    A part whose collector is missing or clashes leaves its plugin out; its
    other parts are attached only when all of them fit."""
    for loaded in list(runtime.loaded):
        parts = loaded.parts.collector_parts
        if not parts or loaded not in runtime.loaded:
            continue
        problem = ""
        taken: list[tuple[CollectorPart, Collector]] = []
        for part in parts:
            target = runtime.get(part.collector)
            collector = target.parts.collector if target else None
            if collector is None:
                problem = (
                    f"its collector part {part.name!r} is for the collector of "
                    f"{part.collector!r}, which has none (get_collector_schema() returns None)."
                )
            elif part.name in collector.properties:
                problem = (
                    f"its collector part {part.name!r} clashes with the property of that name "
                    f"in the {part.collector} collector; give the part another name."
                )
            else:
                taken.append((part, collector))
            if problem:
                break
        if problem:
            runtime.fail(PluginContractError(loaded.name, problem))
            continue
        for part, collector in taken:
            collector.add_part(loaded.name, part.name, part.schema, part.write)


def plugin_command_group(loaded: LoadedPlugin) -> AppGroup:
    """`shopdb <plugin> ...`: the plugin's commands under its own name."""
    group = PluginCommandGroup(loaded.name, help=f"Commands of the {loaded.name} plugin.")
    for command in loaded.parts.cli_commands:
        group.add_command(command)
    return group


def _store_outcome(app: Flask, runtime: PluginRuntime) -> None:
    """Write the start's outcome only where it differs from what the rows say
    (read at start), so a start that changes nothing costs no write."""
    if runtime.state_unknown:
        return
    errors = {name: str(error) for name, error in runtime.errors.items()}
    stale = {
        name
        for name, state in runtime.states.items()
        if state.isinstalled and state.lasterror != errors.get(name)
    }
    if not stale:
        return
    loaded = {loaded.name for loaded in runtime.loaded}
    try:
        store_load_errors(get_database(app).engine, errors, loaded, stale)
    except Exception as error:  # a read-only replica, a lost connection: the log has it
        logger.warning("Could not store the plugins' load errors: %s", error)
