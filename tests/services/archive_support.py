"""What the backup tests share: a site to back up, and a site's whole content
(every row of every table, every instance file) to compare two sites by."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo

from shopdb.app import create_app
from shopdb.console import cli
from shopdb.database import get_database, sqlite_path
from shopdb.services.archive.backup import encoded_chunks, reflect_tables, snapshot
from shopdb.services.archive.files import instance_files
from shopdb.services.archive.values import RowCodec, column_kind
from shopdb.testing.databases import app_config
from tests.collectors.conftest import run

# A command that must succeed (exit code 0, else its output fails the test).
ok = run


def invoke(app: Flask, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)


@dataclass
class Content:
    """A site's tables (name -> encoded rows in key order) and files (path -> SHA-256)."""

    tables: dict[str, list[bytes]]
    files: dict[str, str]

    def without_restores(self) -> Content:
        """The same, less the audit entries restores wrote (one per restore)."""
        tables = dict(self.tables)
        tables["auditlogs"] = [row for row in tables["auditlogs"] if b'"restore"' not in row]
        return Content(tables, self.files)


def content(app: Flask) -> Content:
    engine = get_database(app).engine
    instance = Path(app.config["SHOPDB_INSTANCE_PATH"])
    tables = {}
    with snapshot(engine) as connection:
        for table in reflect_tables(connection):
            codec = RowCodec(column_kind(table, column) for column in table.columns)
            lines: list[bytes] = []
            for _count, chunk in encoded_chunks(connection, table, codec):
                lines.extend(chunk.splitlines(keepends=True))
            tables[table.name] = lines
    files = {
        relative: hashlib.sha256(path.read_bytes()).hexdigest()
        for relative, path in instance_files(instance, sqlite_path(engine.url))
    }
    return Content(tables, files)


@contextmanager
def site_app(url: str, instance: Path, **extra: object) -> Iterator[Flask]:
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app(app_config(url, instance, **extra))
    try:
        yield app
    finally:
        get_database(app).dispose()
