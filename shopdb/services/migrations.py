"""Schema migrations: upgrade, downgrade, where the database stands, and whether
the models and the migrations agree.

The core history is one Alembic branch labelled `core`; each installed plugin
adds a branch of its own (labelled with its name, revisions in its
`migrations/` folder), all tracked in one `alembic_version` table, so
`upgrade("heads")` brings every owner to its head.

Which plugin branches exist is a property of the app (the plugins installed on
its database), not of the process: the app factory stores them as a
`MigrationPlan` in `app.extensions`, and every function here reads the plan of
the current app, or runs on the core alone outside an app context.
"""

from __future__ import annotations

import enum
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from sqlalchemy import Connection, Engine, Index, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from shopdb.database import describe_url, driver_message, sqlite_path, unavailable
from shopdb.errors import SchemaMismatchError, ShopDBError, raised_at
from shopdb.models import CORE_TABLES, Base
from shopdb.models.lookups import anycase_indexes, applies
from shopdb.services.revisions import RevisionGraph

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# Alembic (with Mako and Pygments) is imported inside the functions that
# migrate, compare or list revisions: a server process only checks where the
# schema stands (schema_status), which reads the revision files without it.

MIGRATIONS_PATH = Path(__file__).resolve().parent.parent / "migrations"
CORE_VERSIONS_PATH = MIGRATIONS_PATH / "versions"
CORE_BRANCH = "core"
PLAN_KEY = "shopdb.migrations"
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Branch:
    """One owner's migration history: its label, its revision folder and the
    tables it creates (None: every table the models know, for the core)."""

    label: str
    folder: Path
    tables: frozenset[str] | None = None


@dataclass(frozen=True)
class MigrationPlan:
    """The plugin branches of one app's database: `plugins` are installed, in
    dependency order (the core branch always comes first and is not listed);
    `dormant` are the folders of plugins found but not installed, whose
    revisions may still be recorded (uninstalled with their data kept) and
    must be known, but whose heads are not required; `missing` names the
    plugins this database records whose files were not found, so revisions
    nobody knows are theirs, not a newer ShopDB's; `available` is every
    plugin found, as (name, version or None when its manifest cannot be
    read, folder), so a restore can name a plugin it needs and lacks."""

    plugins: tuple[Branch, ...] = ()
    dormant: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()
    available: tuple[tuple[str, str | None, Path], ...] = ()

    @property
    def labels(self) -> list[str]:
        return [CORE_BRANCH, *(branch.label for branch in self.plugins)]


def current_plan() -> MigrationPlan:
    if has_app_context():
        return current_app.extensions.get(PLAN_KEY) or MigrationPlan()
    return MigrationPlan()


def _version_folders(plan: MigrationPlan) -> list[Path]:
    return [CORE_VERSIONS_PATH, *(branch.folder for branch in plan.plugins), *plan.dormant]


def alembic_config(plan: MigrationPlan | None = None) -> Config:
    from alembic.config import Config

    plan = plan or current_plan()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    locations = _version_folders(plan)
    config.set_main_option("version_locations", " ".join(str(path) for path in locations))
    config.set_main_option("path_separator", "space")
    return config


def script_directory() -> ScriptDirectory:
    """The revisions of the core and the plugins, every revision file read
    now, so one that cannot be imported is named here in one sentence."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    plan = current_plan()
    script = ScriptDirectory.from_config(alembic_config(plan))
    try:
        script.revision_map.heads  # noqa: B018 (reading it loads every revision file)
    except CommandError:
        raise
    except Exception as error:
        where = raised_at(error, *_version_folders(plan))
        raise ShopDBError(
            f"A migration revision file cannot be read: {type(error).__name__}: {error}{where}."
        ) from error
    return script


def required_heads(script: ScriptDirectory, plan: MigrationPlan | None = None) -> set[str]:
    """The head of the core and of each installed plugin's branch."""
    from alembic.util.exc import CommandError

    plan = plan or current_plan()
    heads = set()
    for label in plan.labels:
        try:
            heads.add(script.get_revision(f"{label}@head").revision)
        except CommandError as error:
            raise ShopDBError(
                f"The migrations of {label!r} have no branch labelled {label!r}: {error}"
            ) from None
    return heads


@contextmanager
def connected(engine: Engine) -> Iterator[Connection]:
    """A connection whose failure to open reads as one sentence."""
    try:
        connection = engine.connect()
    except (OperationalError, DBAPIError) as error:
        raise unavailable(engine.url, error) from None
    try:
        yield connection
    finally:
        connection.close()


def current_revisions(engine: Engine) -> set[str]:
    """The revisions `alembic_version` records (what Alembic's own
    MigrationContext reads), without importing Alembic."""
    with connected(engine) as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


class SchemaState(enum.Enum):
    CURRENT = "current"
    EMPTY = "empty"
    OLDER = "older"
    NEWER = "newer"
    PLUGIN_MISSING = "pluginmissing"


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    current: frozenset[str]
    heads: frozenset[str]
    missing: tuple[str, ...] = ()

    def describe(self, url: Any) -> str:
        where = describe_url(url)
        current = ", ".join(sorted(self.current)) or "none"
        heads = ", ".join(sorted(self.heads))
        if self.state is SchemaState.CURRENT:
            return f"The database {where} is at the current schema revision ({current})."
        if self.state is SchemaState.EMPTY:
            return f"The database {where} has no ShopDB schema yet; run 'shopdb db upgrade'."
        if self.state is SchemaState.OLDER:
            return (
                f"The database {where} is at schema revision {current}, older than this "
                f"code's {heads}; run 'shopdb db upgrade'."
            )
        if self.state is SchemaState.PLUGIN_MISSING:
            plugins = ", ".join(self.missing)
            return (
                f"The database {where} is at schema revision {current}, which none of the "
                f"plugins found owns; this database records plugins whose files are not "
                f"found: {plugins}. Put their folders back (check SHOPDB_PLUGIN_PATHS, or "
                "reinstall their packages) and try again; the data is intact, so do not "
                "restore a backup for this."
            )
        return (
            f"The database {where} is at schema revision {current}, which this version of "
            "ShopDB does not know (the database is newer than the code); install the "
            "matching ShopDB version or restore a backup taken before the upgrade."
        )


def schema_status(engine: Engine) -> SchemaStatus:
    path = sqlite_path(engine.url)
    if path is not None and not path.exists():
        raise SchemaMismatchError(
            f"There is no database at {path}; run 'shopdb db upgrade' to create it."
        )
    plan = current_plan()
    graph = RevisionGraph(_version_folders(plan))
    heads = frozenset(_required_heads(graph, plan))
    current = frozenset(current_revisions(engine))
    known = set(graph.revisions)
    if not current:
        state = SchemaState.EMPTY
    elif current - known:
        # A plugin revision may imply the core head, so with its owner gone
        # nothing can be said of the rest: the owner must come back first.
        state = SchemaState.PLUGIN_MISSING if plan.missing else SchemaState.NEWER
    elif heads <= graph.applied(current):
        # A plugin revision that `depends_on` a core revision makes Alembic
        # store only the plugin's, so the core head is applied without being
        # listed in alembic_version: applied() follows dependencies too.
        state = SchemaState.CURRENT
    else:
        state = SchemaState.OLDER
    return SchemaStatus(state, current, heads, plan.missing)


def _required_heads(graph: RevisionGraph, plan: MigrationPlan) -> set[str]:
    """The head of the core and of each installed plugin's branch."""
    heads = set()
    for label in plan.labels:
        found = graph.heads(label)
        if not found:
            raise ShopDBError(f"The migrations of {label!r} have no branch labelled {label!r}.")
        heads |= found
    return heads


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not the code's."""
    status = schema_status(engine)
    if status.state is not SchemaState.CURRENT:
        raise SchemaMismatchError(status.describe(engine.url))


def refuse_newer_schema(engine: Engine) -> None:
    """Stop before Alembic meets revisions it cannot place (a newer database)."""
    path = sqlite_path(engine.url)
    if path is not None and not path.exists():
        return
    status = schema_status(engine)
    if status.state in (SchemaState.NEWER, SchemaState.PLUGIN_MISSING):
        raise SchemaMismatchError(status.describe(engine.url))


def prepare_sqlite_folder(engine: Engine, instance_path: Path | None) -> None:
    """Create the instance folder for an embedded database; refuse other missing folders."""
    path = sqlite_path(engine.url)
    if path is None or path.parent.exists():
        return
    if instance_path is not None and path.parent.resolve() == instance_path.resolve():
        path.parent.mkdir(parents=True)
        return
    raise ShopDBError(
        f"The folder {path.parent} for the SQLite database does not exist; create it, "
        "or point DATABASE_URL or SHOPDB_INSTANCE_PATH somewhere that exists."
    )


def _run(engine: Engine, action: str, target: str, plan: MigrationPlan | None = None) -> None:
    from alembic import command
    from alembic.util.exc import CommandError

    config = alembic_config(plan)
    with connected(engine) as connection:
        config.attributes["connection"] = connection
        try:
            getattr(command, action)(config, target)
            connection.commit()
        except CommandError as error:
            raise ShopDBError(f"Cannot {action} to {target!r}: {error}") from None
        except DBAPIError as error:
            connection.rollback()
            reached = ", ".join(sorted(current_revisions(engine))) or "base (empty)"
            reason = driver_message(error)[:300]
            raise ShopDBError(
                f"The {action} failed ({reason}); each revision runs in its own transaction "
                f"where the database allows, and the database is now at revision {reached}."
            ) from None
        except Exception as error:
            # A revision file that fails as Python (a NameError, an ImportError).
            connection.rollback()
            reached = ", ".join(sorted(current_revisions(engine))) or "base (empty)"
            where = raised_at(error, *_version_folders(plan or current_plan()))
            raise ShopDBError(
                f"The {action} to {target!r} failed in a revision: {type(error).__name__}: "
                f"{error}{where}; the database is now at revision {reached}."
            ) from error


def upgrade(engine: Engine, target: str = "heads", plan: MigrationPlan | None = None) -> None:
    _run(engine, "upgrade", target, plan)


def upgrade_all(engine: Engine, plan: MigrationPlan | None = None) -> None:
    """The core to its head, then each installed plugin in dependency order,
    so a plugin's revisions always find its dependencies' tables."""
    plan = plan or current_plan()
    for label in plan.labels:
        upgrade(engine, f"{label}@head", plan)


def downgrade(engine: Engine, target: str, plan: MigrationPlan | None = None) -> None:
    _run(engine, "downgrade", target, plan)


def downgrade_target(engine: Engine, target: str, plan: MigrationPlan | None = None) -> str:
    """The target `shopdb db downgrade` runs for what a person typed, refused
    (ShopDBError naming what to type) when it would not do what they meant.

    With plugin branches a bare relative step (`-1`) is ambiguous: Alembic
    would step back whichever branch it picks, a plugin's included. It means
    one step of the core history (`core@-1`). A downgrade that would remove an
    installed plugin's whole history drops its tables while the plugin stays
    marked installed; it is refused, naming `shopdb plugin uninstall`, which
    drops them and records it. `base` removes everything, plugin state included.
    """
    plan = plan or current_plan()
    if re.fullmatch(r"-\d+", target.strip()):
        target = f"{CORE_BRANCH}@{target.strip()}"
    if target == "base" or not plan.plugins:
        return target
    from alembic.util.exc import CommandError

    script = script_directory()
    current = current_revisions(engine)
    try:
        # The steps Alembic's own downgrade would run (its planner, not a guess).
        # Alembic passes the heads tuple here itself (iterate_revisions takes
        # str | tuple[str, ...] | None); only its annotation says str | None.
        steps = script._downgrade_revs(target, tuple(current) or None)  # type: ignore[arg-type]
    except CommandError as error:
        raise ShopDBError(f"Cannot downgrade to {target!r}: {error}") from None
    removed = {step.revision.revision for step in steps}
    lost = [
        branch.label for branch in plan.plugins if _branch_base(script, branch.label) in removed
    ]
    if lost:
        names = ", ".join(lost)
        raise ShopDBError(
            f"Downgrading to {target!r} would drop the tables of the installed plugin(s) "
            f"{names} while they stay marked installed. Uninstall them first "
            f"('shopdb plugin uninstall <name> --drop-data', for {names}), or downgrade "
            "to 'base' to empty the whole database."
        )
    return target


def _branch_base(script: ScriptDirectory, label: str) -> str | None:
    """The first revision of the branch labelled `label`."""
    for revision in script.walk_revisions():
        if label in revision.branch_labels:
            return revision.revision
    return None


def owned_tables(plan: MigrationPlan | None = None) -> frozenset[str]:
    """The tables the database of this plan should hold: the core's and the
    installed plugins'. Models of other plugins may be known to the process
    (a test that loaded them, a plugin not installed here) and are not compared."""
    plan = plan or current_plan()
    return CORE_TABLES.union(*(branch.tables or () for branch in plan.plugins))


def model_differences(engine: Engine, tables: frozenset[str] | None = None) -> list[Any]:
    """What autogenerate would change for the given tables (default: those the
    current plan owns): empty when models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    tables = owned_tables() if tables is None else tables
    dialect = engine.dialect.name

    def include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        if kind == "table":
            return name in tables
        if kind == "index" and not reflected and isinstance(obj, Index):
            # A case-folded index exists only where the database compares case;
            # SQLite cannot reflect one (it is checked by name below).
            return applies(obj, dialect) and not (dialect == "sqlite" and "anycase" in obj.info)
        return True

    with connected(engine) as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "target_metadata": Base.metadata,
                "include_object": include,
            },
        )
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes, and both libraries say so.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expr")
            differences = list(compare_metadata(context, Base.metadata))
        if dialect == "sqlite":
            differences += _missing_sqlite_indexes(connection, tables)
        return differences


def _missing_sqlite_indexes(connection: Connection, tables: frozenset[str]) -> list[Any]:
    """The case-folded indexes the models declare that SQLite lacks, found by
    name (SQLAlchemy does not reflect indexes on expressions there)."""
    declared = anycase_indexes(
        table for name, table in Base.metadata.tables.items() if name in tables
    )
    present = {
        row[0]
        for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
    }
    return [("add_index", index) for index in declared if index.name not in present]
