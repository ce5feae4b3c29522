"""Install, uninstall, enable, disable and migrate plugins on the site's database.

Used by `shopdb plugin ...`. Each step says what it did in a sentence; every
failure is a PluginError naming the plugin. State changes are written in the
caller's session (the command commits); migrations run on their own
connection, one revision per transaction, before the state says "installed",
so a plugin whose migration fails half way stays not installed and the error
names the revision the database reached.

The running server reads the plugin state when it starts: every change here
takes effect at the next start, and the messages say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shopdb.errors import ShopDBError
from shopdb.models import Plugin, utcnow
from shopdb.plugins.errors import (
    PluginContractError,
    PluginDependencyError,
    PluginError,
    PluginNotFoundError,
)
from shopdb.plugins.loader import LoadedPlugin, load_plugins
from shopdb.plugins.manifest import PluginManifest, read_manifest
from shopdb.plugins.runtime import PluginRuntime, migration_plan
from shopdb.plugins.state import PluginState, find_row, plugin_row
from shopdb.services import migrations
from shopdb.services.audit import audit_log, diff
from shopdb.services.unitofwork import commit

RESTART = "Restart ShopDB (the server processes) for the change to take effect."


@dataclass
class Outcome:
    """What a lifecycle step did, one sentence per line, for the command to print."""

    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


class PluginManager:
    """Lifecycle steps over one app's discovered plugins and database."""

    def __init__(self, runtime: PluginRuntime, engine: Engine, session: Session) -> None:
        self.runtime = runtime
        self.engine = engine
        self.session = session

    # Finding ----------------------------------------------------------------

    def manifest(self, name: str) -> PluginManifest:
        source = self.runtime.source(name)
        if source is None:
            if name in self.runtime.discovery.errors:
                raise self.runtime.discovery.errors[name]
            found = ", ".join(sorted(s.name for s in self.runtime.discovery.sources)) or "none"
            raise PluginNotFoundError(
                name,
                f"no plugin of that name was found (bundled, SHOPDB_PLUGIN_PATHS or an "
                f"installed package); found: {found}.",
            )
        return read_manifest(source.folder)

    def with_dependencies(self, name: str) -> list[PluginManifest]:
        """The plugin and everything it needs, dependencies first."""
        ordered: list[PluginManifest] = []
        seen: set[str] = set()

        def visit(current: str, chain: tuple[str, ...]) -> None:
            if current in chain:
                cycle = " -> ".join((*chain[chain.index(current) :], current))
                raise PluginDependencyError(name, f"its dependencies form a cycle: {cycle}.")
            if current in seen:
                return
            try:
                manifest = self.manifest(current)
            except PluginNotFoundError as error:
                if current == name:
                    raise
                raise PluginDependencyError(
                    name, f"it depends on {current!r}, which cannot be used: {error.problem}"
                ) from None
            for dependency in manifest.dependencies:
                visit(dependency, (*chain, current))
            seen.add(current)
            ordered.append(manifest)

        visit(name, ())
        return ordered

    def load(self, manifests: list[PluginManifest]) -> dict[str, LoadedPlugin]:
        """Import the plugins (strictly: the first error is raised)."""
        sources = [self.runtime.source(manifest.name) for manifest in manifests]
        result = load_plugins([source for source in sources if source], strict=True)
        return {loaded.name: loaded for loaded in result.plugins}

    def state(self, name: str) -> Plugin:
        return plugin_row(self.session, name)

    # Steps --------------------------------------------------------------------

    def install(self, name: str) -> Outcome:
        outcome = Outcome()
        if migrations.schema_status(self.engine).state is migrations.SchemaState.EMPTY:
            raise ShopDBError(
                "The database has no ShopDB schema yet; run 'shopdb db upgrade' before "
                "installing plugins."
            )
        manifests = self.with_dependencies(name)
        loaded = self.load(manifests)
        names = [manifest.name for manifest in manifests]
        plan = migration_plan(self.runtime, extra=names)
        for manifest in manifests:
            self._migrate(manifest.name, plan, outcome)
        for manifest in manifests:
            row = self.state(manifest.name)
            if row.isinstalled and manifest.name != name:
                continue
            self._hook(loaded[manifest.name], "on_install")
            again = row.isinstalled
            before = _flags(row)
            row.isinstalled = row.isenabled = True
            row.version = manifest.version
            row.installedat = row.installedat if again else utcnow()
            self._audit("install", row, before)
            if manifest.name != name:
                outcome.say(f"Installed {manifest.name} {manifest.version}, needed by {name}.")
            elif again:
                outcome.say(f"{name} {manifest.version} was already installed; it is up to date.")
            else:
                outcome.say(f"Installed and enabled {name} {manifest.version}.")
        outcome.say(RESTART)
        return outcome

    def uninstall(self, name: str, drop_data: bool) -> Outcome:
        outcome = Outcome()
        row = self._installed(name)
        self._refuse_while_needed(name, lambda state: state.isinstalled, "installed", "uninstall")
        if self.runtime.source(name) is not None:
            self._hook(self.load(self.with_dependencies(name))[name], "on_uninstall")
        else:
            outcome.say(
                f"The files of {name} are gone; its on_uninstall hook did not run, and its "
                "schema revisions stay recorded, so 'shopdb db upgrade' needs them back."
            )
        if drop_data:
            commit(self.session)  # migrations plumbing: Alembic writes on its own connection
            plan = migration_plan(self.runtime, extra=[name])
            if not any(branch.label == name for branch in plan.plugins):
                if self.runtime.source(name) is None:
                    raise PluginNotFoundError(
                        name,
                        "its files are gone, so its migrations cannot drop its tables; put "
                        "the plugin back to drop its data, or uninstall without --drop-data.",
                    )
            else:
                self._run(name, "downgrade", f"{name}@base", plan)
                outcome.say(f"Dropped the tables of {name} and the data in them.")
        before = _flags(row)
        row = self.state(name)
        row.isinstalled = row.isenabled = False
        self._audit("uninstall", row, before)
        kept = "" if drop_data else " Its tables and data are kept (use --drop-data to drop them)."
        outcome.say(f"Uninstalled {name}.{kept}")
        outcome.say(RESTART)
        return outcome

    def enable(self, name: str) -> Outcome:
        row = self._installed(name)
        manifest = self.manifest(name)
        off = [
            dependency
            for dependency in manifest.dependencies
            if not ((found := find_row(self.session, dependency)) and found.isenabled)
        ]
        if off:
            raise PluginDependencyError(
                name, f"it depends on {', '.join(off)}, which is not enabled; enable it first."
            )
        return self._switch(name, row, True, manifest)

    def disable(self, name: str) -> Outcome:
        row = self._installed(name)
        self._refuse_while_needed(name, lambda state: state.active, "enabled", "disable")
        manifest = self.manifest(name) if self.runtime.source(name) else None
        return self._switch(name, row, False, manifest)

    def migrate(self, name: str) -> Outcome:
        row = self._installed(name)
        outcome = Outcome()
        self._migrate(name, migration_plan(self.runtime), outcome)
        self._record_version(row)
        return outcome

    def upgrade_all(self) -> Outcome:
        outcome = Outcome()
        plan = migration_plan(self.runtime)
        self._migrate(migrations.CORE_BRANCH, plan, outcome)
        for branch in plan.plugins:
            self._migrate(branch.label, plan, outcome)
            row = find_row(self.session, branch.label)
            if row is not None:
                self._record_version(row)
        return outcome

    # Helpers ------------------------------------------------------------------

    def _record_version(self, row: Plugin) -> None:
        """After a migration the stored version is the one on disk."""
        if self.runtime.source(row.name) is None:
            return
        version = self.manifest(row.name).version
        if row.version != version:
            audit_log(
                self.session,
                "upgrade",
                "plugins",
                row.pluginid,
                changes=diff({"version": row.version}, {"version": version}),
            )
            row.version = version

    def _installed(self, name: str) -> Plugin:
        row = find_row(self.session, name)
        if row is None or not row.isinstalled:
            raise PluginNotFoundError(
                name, f"it is not installed on this database; run 'shopdb plugin install {name}'."
            )
        return row

    def _refuse_while_needed(
        self, name: str, counts: Callable[[PluginState], bool], state: str, step: str
    ) -> None:
        dependents = self._dependents(name, counts)
        if dependents:
            raise PluginDependencyError(
                name,
                f"{', '.join(dependents)} depend(s) on it and are {state}; {step} them first.",
            )

    def _dependents(self, name: str, counts: Callable[[PluginState], bool]) -> list[str]:
        """Plugins on this database that need `name` and match `counts`."""
        dependents = []
        for other, state in sorted(self.runtime.states.items()):
            source = self.runtime.source(other)
            if other == name or not counts(state) or source is None:
                continue
            try:
                manifest = read_manifest(source.folder)
            except PluginError:
                continue
            if name in manifest.dependencies:
                dependents.append(other)
        return dependents

    def _switch(
        self, name: str, row: Plugin, enable: bool, manifest: PluginManifest | None
    ) -> Outcome:
        outcome = Outcome()
        word = "enabled" if enable else "disabled"
        if row.isenabled == enable:
            outcome.say(f"{name} is already {word}; nothing to do.")
            return outcome
        if manifest is not None:
            loaded = self.load(self.with_dependencies(name))
            self._hook(loaded[name], "on_enable" if enable else "on_disable")
        before = _flags(row)
        row.isenabled = enable
        self._audit("enable" if enable else "disable", row, before)
        outcome.say(f"{word.capitalize()} {name}; its data stays where it is.")
        outcome.say(RESTART)
        return outcome

    def _hook(self, loaded: LoadedPlugin, hook: str) -> None:
        try:
            getattr(loaded.plugin, hook)(self.session)
            self.session.flush()
        except PluginError:
            raise
        except Exception as error:
            raise PluginContractError(
                loaded.name, f"{hook}() raised {type(error).__name__}: {error}"
            ) from error

    def _migrate(self, label: str, plan: migrations.MigrationPlan, outcome: Outcome) -> None:
        if label != migrations.CORE_BRANCH and not any(b.label == label for b in plan.plugins):
            return  # a plugin without tables
        # Alembic writes on a connection of its own: end this session's
        # transaction first, or its lock (or, on SQLite, its read snapshot,
        # which then cannot become a write) stands in the way of one of them.
        commit(self.session)
        before = migrations.current_revisions(self.engine)
        self._run(label, "upgrade", f"{label}@head", plan)
        after = migrations.current_revisions(self.engine)
        if before != after:
            outcome.say(f"Migrated {label}: {', '.join(sorted(after - before))} applied.")
        else:
            outcome.say(f"{label} was already at its newest schema revision.")

    def _run(self, label: str, action: str, target: str, plan: migrations.MigrationPlan) -> None:
        from alembic.util.exc import CommandError  # Alembic only where a schema changes

        try:
            if action == "upgrade":
                migrations.upgrade(self.engine, target, plan)
            else:
                migrations.downgrade(self.engine, target, plan)
        except (ShopDBError, CommandError) as error:
            if label == migrations.CORE_BRANCH:
                raise
            raise PluginContractError(
                label, f"its migrations failed ({action} to {target}): {error}"
            ) from None

    def _audit(self, action: str, row: Plugin, before: dict) -> None:
        self.session.flush()
        after = _flags(row)
        audit_log(
            self.session, action, "plugins", row.pluginid, changes=diff(before, after) or None
        )


def _flags(row: Plugin) -> dict[str, bool]:
    """The state a lifecycle step changes, as audited before and after."""
    return {"isinstalled": row.isinstalled, "isenabled": row.isenabled}
