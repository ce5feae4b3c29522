"""`shopdb backup`: the whole site in one archive, from one consistent read.

The rows come from a single read transaction (REPEATABLE READ on the
servers, a read transaction on SQLite in WAL mode), so the site keeps
serving and writing while the backup runs and the archive still shows one
moment. Rows are streamed table by table in chunks and written to the
archive as they come, so memory stays flat whatever the size of the site.
The archive is written under a temporary name in the target folder, synced
to disk and only then renamed: a backup that fails leaves nothing under
the name asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import sort_tables_and_constraints

from shopdb.database import driver_message, sqlite_path, unavailable
from shopdb.errors import ShopDBError
from shopdb.models import Base
from shopdb.services import migrations
from shopdb.services.archive.files import BACKUPS_FOLDER, PARTIAL_SUFFIX, instance_files
from shopdb.services.archive.layout import (
    MANIFEST_ENTRY,
    FileEntry,
    Manifest,
    TableEntry,
)
from shopdb.services.archive.values import RowCodec, column_kind, raw_kinds
from shopdb.version import __contract_version__, __version__

VERSION_TABLE = "alembic_version"
CHUNK_ROWS = 2000
COPY_BYTES = 1024 * 1024

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    tables: int
    rows: int
    files: int
    seconds: float

    def summary(self) -> str:
        return (
            f"Wrote {self.path} ({self.bytes / 1024 / 1024:.1f} MiB): {self.rows} rows in "
            f"{self.tables} tables and {self.files} instance files, in {self.seconds:.1f} s."
        )


def default_backup_path(instance: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return instance / BACKUPS_FOLDER / f"shopdb-{stamp}.zip"


# Reading ----------------------------------------------------------------------


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction that sees a single moment."""
    try:
        connection = engine.connect()
    except DBAPIError as error:
        raise unavailable(engine.url, error) from None
    try:
        backend = engine.dialect.name
        if backend != "sqlite":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if backend == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection
    finally:
        connection.close()


def reflected(connection: Connection) -> MetaData:
    """The database's tables as it has them. Indexes on expressions (the
    case-folded lookup indexes, ADR 0011) cannot be reflected on SQLite;
    an archive holds rows, not indexes, so SQLAlchemy's warning about them
    is not news here."""
    metadata = MetaData()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        metadata.reflect(connection)
    return metadata


def reflect_tables(connection: Connection) -> list[Table]:
    """Every table of the database but Alembic's, parents before children.

    The database itself says which tables the core and the installed plugins
    (enabled or not) have at its revisions, which is what a restore creates
    again; no table is listed by hand.
    """
    metadata = reflected(connection)
    tables = [table for name, table in metadata.tables.items() if name != VERSION_TABLE]
    json_columns = _mariadb_json_columns(connection)
    for table in tables:
        model = Base.metadata.tables.get(table.name)
        for column in table.columns:
            known = model.columns.get(column.name) if model is not None else None
            declared = known is not None and isinstance(known.type, JSON)
            if (
                isinstance(column.type, JSON)
                or declared
                or ((table.name, column.name) in json_columns)
            ):
                # A missing JSON value is SQL NULL, as it was, not the JSON text 'null'.
                column.type = JSON(none_as_null=True)
    return [table for table, _ in sort_tables_and_constraints(tables) if table is not None]


MARIADB_JSON_CHECK = re.compile(r"json_valid\(`?(\w+)`?\)", re.IGNORECASE)


def _mariadb_json_columns(connection: Connection) -> set[tuple[str, str]]:
    """MariaDB keeps JSON as LONGTEXT with a json_valid() check, which
    reflection reads as text; the check says which columns hold JSON."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        return set()
    rows = connection.execute(
        text(
            "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = DATABASE()"
        )
    )
    return {
        (table, found.group(1))
        for table, clause in rows
        if (found := MARIADB_JSON_CHECK.search(clause or ""))
    }


def table_entry(table: Table) -> TableEntry:
    return TableEntry(
        name=table.name,
        columns=[[column.name, column_kind(table, column)] for column in table.columns],
        primarykey=[column.name for column in table.primary_key.columns],
    )


def encoded_chunks(
    connection: Connection, table: Table, codec: RowCodec
) -> Iterator[tuple[int, bytes]]:
    """(rows, bytes) chunks of the table's rows in key order, encoded."""
    raw = raw_kinds(connection.dialect.name)
    columns = [
        type_coerce(column, Text).label(column.name) if kind in raw else column
        for column, kind in zip(table.columns, codec.kinds, strict=True)
    ]
    keys = list(table.primary_key.columns) or list(table.columns)
    statement = select(*columns).order_by(*keys)
    result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(
        statement
    )
    for partition in result.partitions(CHUNK_ROWS):
        yield len(partition), b"".join(codec.encode(row) for row in partition)


def branch_revisions(revisions: list[str]) -> dict[str, str]:
    """The revision each branch (core, each plugin) stands at."""
    script = migrations.script_directory()
    branches: dict[str, str] = {}
    for revision in script.iterate_revisions(tuple(revisions), "base"):
        for label in revision.branch_labels:
            branches.setdefault(label, revision.revision)
    return dict(sorted(branches.items()))


def plugin_rows(connection: Connection, tables: list[Table]) -> list[dict]:
    plugins = next((table for table in tables if table.name == "plugins"), None)
    if plugins is None:
        return []
    rows = connection.execute(
        select(
            plugins.c.name, plugins.c.version, plugins.c.isinstalled, plugins.c.isenabled
        ).order_by(plugins.c.pluginid)
    )
    return [
        {
            "name": name,
            "version": version,
            "isinstalled": bool(installed),
            "isenabled": bool(enabled),
        }
        for name, version, installed, enabled in rows
    ]


# Writing ----------------------------------------------------------------------


def write_backup(
    engine: Engine,
    instance: Path,
    target: Path,
    progress: Progress | None = None,
    start: Callable[[int], None] | None = None,
) -> BackupReport:
    """Write the archive to `target`; `start(total_rows)` is called once the
    rows are counted, `progress(n)` as they are written."""
    began = time.monotonic()
    target = target.absolute()
    if target.exists():
        raise ShopDBError(f"{target} already exists; choose another name or remove it first.")
    if not target.parent.is_dir():
        if target.parent == (instance / BACKUPS_FOLDER).absolute():
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            raise ShopDBError(f"The folder {target.parent} does not exist; create it first.")
    partial = target.with_name(f".{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    try:
        with open(partial, "xb") as raw:
            with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                manifest = _write_contents(engine, instance, target, archive, progress, start)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
        _sync_folder(target.parent)
    except OSError as error:
        with suppress(OSError):
            partial.unlink()
        reason = error.strerror or str(error)
        raise ShopDBError(
            f"Writing the backup to {target} failed: {reason}; nothing was kept under that "
            "name (free some space or choose another folder, then try again)."
        ) from None
    except BaseException:
        with suppress(OSError):
            partial.unlink()
        raise
    return BackupReport(
        target,
        target.stat().st_size,
        len(manifest.tables),
        manifest.total_rows,
        len(manifest.files),
        time.monotonic() - began,
    )


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_contents(
    engine: Engine,
    instance: Path,
    target: Path,
    archive: zipfile.ZipFile,
    progress: Progress | None,
    start: Callable[[int], None] | None,
) -> Manifest:
    from alembic.migration import MigrationContext  # only here: servers never back up

    try:
        with snapshot(engine) as connection:
            revisions = sorted(MigrationContext.configure(connection).get_current_heads())
            if not revisions:
                raise ShopDBError(
                    "The database has no ShopDB schema yet, so there is nothing to back up."
                )
            _refuse_unknown(revisions)
            tables = reflect_tables(connection)
            counts = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in tables
            }
            if start is not None:
                start(sum(counts.values()))
            manifest = Manifest(
                shopdbversion=__version__,
                contractversion=__contract_version__,
                createdat=datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),
                backend=engine.dialect.name,
                revisions=revisions,
                branches=branch_revisions(revisions),
                plugins=plugin_rows(connection, tables),
            )
            for table in tables:
                entry = table_entry(table)
                _write_table(connection, table, entry, archive, progress)
                if entry.rows != counts[table.name]:
                    raise ShopDBError(
                        f"The table {table.name} gave {entry.rows} rows, not the "
                        f"{counts[table.name]} it counted; the read was not consistent."
                    )
                manifest.tables.append(entry)
    except DBAPIError as error:
        raise ShopDBError(
            f"Reading the database failed: {driver_message(error)[:300]}; no backup was written."
        ) from None
    excluded = sqlite_path(engine.url)
    for relative, path in instance_files(instance, excluded):
        if path.absolute() == target:
            continue
        manifest.files.append(_write_file(relative, path, archive))
    with archive.open(MANIFEST_ENTRY, "w") as stream:
        stream.write(json.dumps(manifest.to_json(), indent=1, sort_keys=True).encode("ascii"))
    return manifest


def _refuse_unknown(revisions: list[str]) -> None:
    known = {revision.revision for revision in migrations.script_directory().walk_revisions()}
    unknown = sorted(set(revisions) - known)
    if unknown:
        raise ShopDBError(
            f"The database is at schema revision {', '.join(unknown)}, which this ShopDB does "
            "not know (newer code, or a plugin whose files are missing); back it up with the "
            "ShopDB that wrote it."
        )


def _write_table(
    connection: Connection,
    table: Table,
    entry: TableEntry,
    archive: zipfile.ZipFile,
    progress: Progress | None,
) -> None:
    codec = RowCodec(kind for _name, kind in entry.columns)
    digest = hashlib.sha256()
    with archive.open(entry.entry, "w", force_zip64=True) as stream:
        for rows, chunk in encoded_chunks(connection, table, codec):
            stream.write(chunk)
            digest.update(chunk)
            entry.rows += rows
            entry.bytes += len(chunk)
            if progress is not None:
                progress(rows)
    entry.sha256 = digest.hexdigest()


def _write_file(relative: str, path: Path, archive: zipfile.ZipFile) -> FileEntry:
    entry = FileEntry(relative)
    digest = hashlib.sha256()
    with path.open("rb") as source, archive.open(entry.entry, "w", force_zip64=True) as stream:
        while chunk := source.read(COPY_BYTES):
            stream.write(chunk)
            digest.update(chunk)
            entry.bytes += len(chunk)
    entry.sha256 = digest.hexdigest()
    return entry
