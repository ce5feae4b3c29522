"""`shopdb restore`: a site back from its archive, on any supported database.

Order of work: check the archive whole and that this code can take it
(ShopDB version, plugins, revisions); check the target is empty (or, with
replace, empty it); create the schema at the archive's revisions; load every
row with its id in one transaction, parents before children, self-references
set in a second pass; compare every table's count and SHA-256 read back
from the database; reset sequences; put the instance files in place; upgrade
to this code's revisions. Any failure after the target was touched drops
what was created, so the target is left empty, never half restored.

Rows go in with plain INSERTs, not through the resource write path: this is
a physical copy of data that was validated and audited when first written
(ADR 0010). The restore itself is one audit entry, written by the caller.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from packaging.version import InvalidVersion, Version
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import sort_tables_and_constraints

from shopdb.database import driver_message, sqlite_path, unavailable
from shopdb.errors import ShopDBError
from shopdb.services import migrations
from shopdb.services.archive.backup import (
    VERSION_TABLE,
    encoded_chunks,
    reflect_tables,
    reflected,
)
from shopdb.services.archive.files import (
    PARTIAL_SUFFIX,
    excluded_paths,
    instance_files,
    target_path,
)
from shopdb.services.archive.layout import Manifest, TableEntry
from shopdb.services.archive.reader import ArchiveReader
from shopdb.services.archive.values import RowCodec
from shopdb.services.migrations import Branch, MigrationPlan
from shopdb.version import __version__

if TYPE_CHECKING:
    import psycopg

Progress = Callable[[int], None]


@dataclass(frozen=True)
class TargetContents:
    """What a database and instance folder hold before a restore."""

    rows: dict[str, int]
    files: list[str]

    @property
    def empty(self) -> bool:
        return not self.rows and not self.files

    def describe(self) -> str:
        total = sum(self.rows.values())
        biggest = sorted(self.rows.items(), key=lambda item: (-item[1], item[0]))[:8]
        listed = ", ".join(f"{name} {count}" for name, count in biggest)
        more = ", ..." if len(self.rows) > len(biggest) else ""
        return (
            f"{total} rows in {len(self.rows)} tables ({listed}{more}) and "
            f"{len(self.files)} instance files"
        )


@dataclass
class RestoreReport:
    path: Path
    tables: int
    rows: int
    files: int
    revisions: list[str]
    upgraded_to: list[str]
    replaced: str = ""
    seconds: float = 0.0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Restored {self.rows} rows in {self.tables} tables and {self.files} instance "
            f"files from {self.path} in {self.seconds:.1f} s; schema {', '.join(self.revisions)} "
            f"upgraded to {', '.join(self.upgraded_to)}."
        )


# Before touching anything -------------------------------------------------------


def check_compatible(manifest: Manifest, plan: MigrationPlan, path: Path) -> None:
    """Refuse an archive from a newer ShopDB or needing a plugin not here."""
    try:
        newer = Version(manifest.shopdbversion) > Version(__version__)
    except InvalidVersion:
        raise ShopDBError(
            f"The backup {path} names the ShopDB version {manifest.shopdbversion!r}, which is "
            "not a version number; nothing was changed."
        ) from None
    if newer:
        raise ShopDBError(
            f"The backup {path} was written by ShopDB {manifest.shopdbversion}, newer than this "
            f"ShopDB {__version__}; upgrade ShopDB first, then restore. Nothing was changed."
        )
    available = {name: version for name, version, _folder in plan.available}
    for plugin in manifest.installed_plugins:
        name, version = plugin["name"], plugin.get("version")
        if name not in available:
            raise ShopDBError(
                f"The backup {path} needs the plugin {name!r} ({version}), which is not "
                "available here; install it (bundled, SHOPDB_PLUGIN_PATHS or a package) and "
                "restore again. Nothing was changed."
            )
        have = available[name]
        if have is None or (version and _older(have, version)):
            raise ShopDBError(
                f"The backup {path} needs the plugin {name!r} {version}, but the one here is "
                f"{have or 'unreadable'}; install {name} {version} or newer. Nothing was changed."
            )
    known = {revision.revision for revision in migrations.script_directory().walk_revisions()}
    unknown = sorted(set(manifest.revisions) - known)
    if unknown:
        raise ShopDBError(
            f"The backup {path} is at schema revision {', '.join(unknown)}, which no migration "
            "here knows (newer ShopDB or plugin); nothing was changed."
        )


def _older(have: str, want: str) -> bool:
    try:
        return Version(have) < Version(want)
    except InvalidVersion:
        return have != want


def describe_target(engine: Engine, instance: Path) -> TargetContents:
    """The rows each table holds and the instance files present."""
    rows: dict[str, int] = {}
    try:
        path = sqlite_path(engine.url)
        if path is None or path.exists():
            with engine.connect() as connection:
                metadata = reflected(connection)
                for name, table in sorted(metadata.tables.items()):
                    if name == VERSION_TABLE:
                        continue
                    count = connection.execute(select(func.count()).select_from(table)).scalar()
                    if count:
                        rows[name] = int(count)
    except DBAPIError as error:
        raise unavailable(engine.url, error) from None
    files = [relative for relative, _path in instance_files(instance, sqlite_path(engine.url))]
    return TargetContents(rows, files)


# Restoring ----------------------------------------------------------------------


def restore_archive(
    engine: Engine,
    instance: Path,
    reader: ArchiveReader,
    plan: MigrationPlan,
    replace: bool,
    confirm: Callable[[str], None],
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore `reader`'s archive into the (empty, or with `replace` emptied) target.

    `confirm(description)` is called before anything is removed; it raises
    to stop. `progress(n)` counts rows checked, then rows loaded.
    """
    began = time.monotonic()
    manifest = reader.manifest
    check_compatible(manifest, plan, reader.path)
    _refuse_database_files(manifest, instance, sqlite_path(engine.url))
    reader.verify(progress)
    contents = describe_target(engine, instance)
    replaced = ""
    if not contents.empty:
        if not replace:
            raise ShopDBError(
                f"The target is not empty: it holds {contents.describe()}. Restore into an empty "
                "database, or use --replace to remove all of it first."
            )
        replaced = contents.describe()
        confirm(replaced)
    report = RestoreReport(
        reader.path,
        len(manifest.tables),
        manifest.total_rows,
        len(manifest.files),
        list(manifest.revisions),
        [],
        replaced,
    )
    staged: list[tuple[Path, Path]] = []
    all_folders = MigrationPlan(
        dormant=(*(branch.folder for branch in plan.plugins), *plan.dormant),
        available=plan.available,
    )
    drop_everything(engine)
    try:
        for revision in manifest.revisions:
            migrations.upgrade(engine, revision, all_folders)
        _load(engine, reader, progress)
        reset_sequences(engine)
        staged = _stage_files(reader, instance)
        after = installed_plan(manifest, plan)
        migrations.upgrade_all(engine, after)
        report.upgraded_to = sorted(migrations.current_revisions(engine))
        for temporary, final in staged:
            os.replace(temporary, final)
        kept = {file.path for file in manifest.files}
        for relative in contents.files:
            if relative not in kept:
                with suppress(OSError):
                    target_path(instance, relative).unlink()
    except BaseException:
        for temporary, _final in staged:
            with suppress(OSError):
                temporary.unlink()
        with suppress(Exception):
            drop_everything(engine)
        raise
    report.seconds = time.monotonic() - began
    return report


def _refuse_database_files(manifest: Manifest, instance: Path, database: Path | None) -> None:
    """No archive file may land on the embedded database or its side files."""
    taken = {path.resolve() for path in excluded_paths(instance, database)}
    for file in manifest.files:
        if target_path(instance, file.path) in taken:
            raise ShopDBError(
                f"The archive's file {file.path!r} would overwrite the SQLite database in the "
                "instance folder; the archive is refused and nothing was changed."
            )


def installed_plan(manifest: Manifest, plan: MigrationPlan) -> MigrationPlan:
    """The branches of the plugins the archive has installed, in the order they
    were installed (dependencies first), for the upgrade to this code's heads."""
    folders = {name: folder for name, _version, folder in plan.available}
    installed = [plugin["name"] for plugin in manifest.installed_plugins]
    branches = tuple(
        Branch(name, folders[name] / "migrations")
        for name in installed
        if (folders[name] / "migrations").is_dir()
    )
    labels = {branch.label for branch in branches}
    dormant = tuple(
        folder / "migrations"
        for name, folder in folders.items()
        if name not in labels and (folder / "migrations").is_dir()
    )
    return MigrationPlan(branches, dormant, (), plan.available)


def drop_everything(engine: Engine) -> None:
    """Drop every table (Alembic's too): the target is empty again."""
    try:
        with engine.begin() as connection:
            reflected(connection).drop_all(connection)
    except DBAPIError as error:
        raise unavailable(engine.url, error) from None


def _load(engine: Engine, reader: ArchiveReader, progress: Progress | None) -> None:
    manifest = reader.manifest
    try:
        with engine.connect() as connection, connection.begin():
            tables = {table.name: table for table in reflect_tables(connection)}
            _match_schema(manifest, tables, reader.path)
            by_name = {entry.name: entry for entry in manifest.tables}
            deferred = _deferred_columns(list(tables.values()))
            later: list[tuple[Table, list[str], list[str], list[dict[str, Any]]]] = []
            for table in tables.values():
                entry = by_name[table.name]
                held = _load_table(connection, reader, table, entry, deferred[table.name], progress)
                if held:
                    later.append((table, entry.primarykey, deferred[table.name], held))
            for table, keys, columns, values in later:
                statement = (
                    table.update()
                    .where(*(table.c[key] == bindparam(f"k_{key}") for key in keys))
                    .values({column: bindparam(f"v_{column}") for column in columns})
                )
                connection.execute(statement, values)
            for entry in manifest.tables:
                _verify_table(connection, tables[entry.name], entry, reader.path)
    except DBAPIError as error:
        raise ShopDBError(
            f"Loading the rows failed ({driver_message(error)[:300]}); the target was emptied "
            "again, nothing is half restored."
        ) from None


def _match_schema(manifest: Manifest, tables: dict[str, Table], path: Path) -> None:
    archived = {entry.name for entry in manifest.tables}
    created = set(tables)
    if archived != created:
        raise ShopDBError(
            f"The backup {path} holds the tables {sorted(archived - created) or 'none'} that the "
            f"schema at its revisions lacks, and lacks {sorted(created - archived) or 'none'}; "
            "it does not fit its own revisions."
        )
    for entry in manifest.tables:
        columns = {name for name, _kind in entry.columns}
        have = set(tables[entry.name].columns.keys())
        if columns != have:
            raise ShopDBError(
                f"The backup {path} gives {entry.name} the columns {sorted(columns ^ have)} that "
                "differ from the schema at its revisions; it does not fit its own revisions."
            )


def _deferred_columns(tables: list[Table]) -> dict[str, list[str]]:
    """Foreign-key columns set after every row is in: self-references
    (locations.parentlocationid) and keys in a cycle between tables."""
    deferred: dict[str, list[str]] = {table.name: [] for table in tables}
    cyclic = set()
    for table, constraints in sort_tables_and_constraints(tables):
        if table is None:
            cyclic.update(constraints)
    for table in tables:
        for constraint in table.foreign_key_constraints:
            if constraint.referred_table is table or constraint in cyclic:
                deferred[table.name].extend(
                    column.name
                    for column in constraint.columns
                    if column.name not in deferred[table.name]
                )
    return deferred


def _load_table(
    connection: Connection,
    reader: ArchiveReader,
    table: Table,
    entry: TableEntry,
    deferred: list[str],
    progress: Progress | None,
) -> list[dict[str, Any]]:
    """Insert the rows with deferred columns empty; return their later values.

    The rows go to the driver as they are (see values.BINDERS): SQLAlchemy's
    per-row parameter processing would cost more than the database's work.
    """
    names = [name for name, _kind in entry.columns]
    position = {name: index for index, name in enumerate(names)}
    compiled = table.insert().compile(dialect=connection.dialect)
    # qmark drivers (SQLite) take tuples in the statement's order; the
    # others (PyMySQL, psycopg) take the column names.
    getter = None
    if compiled.positional:
        # A positional compilation always lists its parameters' order.
        order = [position[name] for name in cast("list[str]", compiled.positiontup)]
        getter = (lambda row: (row[order[0]],)) if len(order) == 1 else itemgetter(*order)
    copy_into = _postgresql_copy(connection, table, names)
    held: list[dict[str, Any]] = []
    deferred_at = [(column, position[column]) for column in deferred]
    keys_at = [(key, position[key]) for key in entry.primarykey]
    for chunk in reader.row_chunks(entry):
        for row in chunk:
            if deferred_at and any(row[index] is not None for _column, index in deferred_at):
                held.append(
                    {
                        **{f"k_{key}": row[index] for key, index in keys_at},
                        **{f"v_{column}": row[index] for column, index in deferred_at},
                    }
                )
                for _column, index in deferred_at:
                    row[index] = None
        if copy_into is not None:
            copy_into(chunk)
        elif getter is not None:
            connection.exec_driver_sql(str(compiled), [getter(row) for row in chunk])
        else:
            parameters = [dict(zip(names, row, strict=True)) for row in chunk]
            connection.exec_driver_sql(str(compiled), parameters)
        if progress is not None:
            progress(len(chunk))
    return held


def _postgresql_copy(
    connection: Connection, table: Table, names: list[str]
) -> Callable[[list[list[Any]]], None] | None:
    """On PostgreSQL rows go in by COPY, several times faster than INSERTs;
    psycopg writes each value in COPY's text form, which PostgreSQL parses
    by the column's type as it would a parameter."""
    if connection.dialect.name != "postgresql":
        return None
    columns = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
    # On PostgreSQL (checked above) the pooled connection wraps a live psycopg one.
    driver = cast("psycopg.Connection[Any]", connection.connection.driver_connection)

    def copy_into(rows: list[list[Any]]) -> None:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    return copy_into


def _verify_table(connection: Connection, table: Table, entry: TableEntry, path: Path) -> None:
    """Read the rows back in the archive's encoding: same count, same SHA-256."""
    codec = RowCodec(kind for _name, kind in entry.columns)
    ordered = Table(
        table.name,
        MetaData(),
        *(table.c[name]._copy() for name, _kind in entry.columns),
    )
    digest = hashlib.sha256()
    rows = 0
    for count, chunk in encoded_chunks(connection, ordered, codec):
        digest.update(chunk)
        rows += count
    if rows != entry.rows or digest.hexdigest() != entry.sha256:
        raise ShopDBError(
            f"After loading, the table {table.name} reads back as {rows} rows with SHA-256 "
            f"{digest.hexdigest()[:16]}..., not the {entry.rows} rows with "
            f"{entry.sha256[:16]}... in {path}; the target was emptied again."
        )


def reset_sequences(engine: Engine) -> None:
    """Make the next generated id follow the highest restored one.

    PostgreSQL's sequences do not move on explicit ids; SQLite and InnoDB
    (MySQL, MariaDB) take the next id from the highest present by themselves.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        for table in reflect_tables(connection):
            keys = list(table.primary_key.columns)
            if len(keys) != 1 or not isinstance(keys[0].type, Integer):
                continue
            column = keys[0].name
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'COALESCE((SELECT MAX("{column}") FROM "{table.name}"), 0) + 1, false)'
                ),
                {"table": f'"{table.name}"', "column": column},
            )


def _stage_files(reader: ArchiveReader, instance: Path) -> list[tuple[Path, Path]]:
    """Write every file next to its final place under a temporary name."""
    staged: list[tuple[Path, Path]] = []
    try:
        for file in reader.manifest.files:
            final = target_path(instance, file.path)
            final.parent.mkdir(parents=True, exist_ok=True)
            temporary = final.with_name(f".{final.name}.{os.getpid()}{PARTIAL_SUFFIX}")
            staged.append((temporary, final))
            reader.copy_file(file, temporary)
    except OSError as error:
        for temporary, _final in staged:
            with suppress(OSError):
                temporary.unlink()
        raise ShopDBError(
            f"Writing the instance files failed: {error.strerror or error}; the target was "
            "emptied again."
        ) from None
    return staged
