"""What a ShopDB backup archive holds, and the limits a reader keeps.

A backup is a zip file:

    manifest.json            what follows, with counts and SHA-256 checksums
    tables/<table>.jsonl     one JSON array per row, columns as the manifest lists them
    files/<path>             the instance files (floor plans, pictures, certificates)

The manifest is written last, so an archive cut short has none; every count
and checksum in it is checked before a restore touches the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "shopdb-backup"
FORMAT_VERSION = 1
MANIFEST_ENTRY = "manifest.json"
TABLES_FOLDER = "tables/"
FILES_FOLDER = "files/"

# A reader refuses archives beyond these bounds before decompressing anything
# (a zip bomb declares sizes it cannot keep, or keeps sizes it should not have).
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 1_000_000
MAX_TOTAL_BYTES = 64 * 1024**3
# Table rows compress about 10:1; a ratio this high is a bomb, not a backup.
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024


@dataclass
class Checked:
    """What the manifest knows of every entry: its size and SHA-256."""

    bytes: int = field(default=0, kw_only=True)
    sha256: str = field(default="", kw_only=True)


@dataclass
class TableEntry(Checked):
    """One table's rows: `columns` are (name, kind) in the order of each row."""

    name: str
    columns: list[list[str]]
    primarykey: list[str]
    rows: int = 0

    @property
    def entry(self) -> str:
        return f"{TABLES_FOLDER}{self.name}.jsonl"


@dataclass
class FileEntry(Checked):
    """One instance file, by its path relative to the instance folder."""

    path: str

    @property
    def entry(self) -> str:
        return f"{FILES_FOLDER}{self.path}"


@dataclass
class Manifest:
    """The archive's table of contents and where it came from."""

    shopdbversion: str
    contractversion: str
    createdat: str
    backend: str
    # The rows of alembic_version: the revisions to create the schema at.
    revisions: list[str]
    # The revision each branch (core, each plugin) stands at, for people.
    branches: dict[str, str]
    # Every row of the plugins table: name, version, installed, enabled.
    plugins: list[dict[str, Any]]
    tables: list[TableEntry] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    format: str = FORMAT
    formatversion: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def installed_plugins(self) -> list[dict[str, Any]]:
        return [plugin for plugin in self.plugins if plugin.get("isinstalled")]

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)
