"""Opening a backup archive and proving it whole before anything is touched.

The zip's own directory is checked against fixed bounds first (sizes,
ratios, entry count), so a zip bomb is refused before a byte is inflated;
zipfile itself stops every entry at its declared size and checks its CRC.
Then the manifest must name this format, list exactly the entries present
with safe paths, and every entry must hash to its SHA-256 with its count.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from shopdb.errors import ShopDBError
from shopdb.services.archive.files import safe_relative_path
from shopdb.services.archive.layout import (
    FILES_FOLDER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_ENTRY,
    MAX_ENTRIES,
    MAX_LINE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FROM_BYTES,
    FileEntry,
    Manifest,
    TableEntry,
)
from shopdb.services.archive.values import KINDS, RowCodec

READ_BYTES = 1024 * 1024
CHUNK_ROWS = 2000


class ArchiveError(ShopDBError):
    """The archive cannot be restored; nothing was changed."""


class ArchiveReader:
    """A checked backup archive, open for reading."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ArchiveError(f"There is no backup file at {self.path}.")
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as error:
            raise self.refuse(
                f"is not a readable zip archive ({error}); it may be cut short or not a "
                "ShopDB backup at all"
            ) from None
        try:
            self._check_bounds()
            self.manifest = self._read_manifest()
            self._check_entries()
        except BaseException:
            self.zip.close()
            raise

    def refuse(self, problem: str) -> ArchiveError:
        return ArchiveError(f"The backup {self.path} {problem}; nothing was changed.")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # Checks -------------------------------------------------------------------

    def _check_bounds(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise self.refuse(f"holds {len(infos)} entries, more than {MAX_ENTRIES}")
        total = sum(info.file_size for info in infos)
        if total > MAX_TOTAL_BYTES:
            raise self.refuse(
                f"would inflate to {total} bytes, more than the limit of {MAX_TOTAL_BYTES}"
            )
        for info in infos:
            if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise self.refuse(
                    f"holds {info.filename!r}, which inflates {info.compress_size} bytes to "
                    f"{info.file_size} (more than {MAX_RATIO} to 1): a zip bomb, not a backup"
                )

    def _read_manifest(self) -> Manifest:
        try:
            info = self.zip.getinfo(MANIFEST_ENTRY)
        except KeyError:
            raise self.refuse(
                f"has no {MANIFEST_ENTRY}, so it was not written by 'shopdb backup' (or the "
                "backup did not finish)"
            ) from None
        if info.file_size > MAX_MANIFEST_BYTES:
            raise self.refuse(f"has a {MANIFEST_ENTRY} of {info.file_size} bytes, too large")
        try:
            data = json.loads(self._read_all(MANIFEST_ENTRY))
        except ValueError as error:
            raise self.refuse(f"has a {MANIFEST_ENTRY} that is not JSON ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise self.refuse(
                f"has a {MANIFEST_ENTRY} that does not name the format {FORMAT!r}; it was "
                "written by another tool"
            )
        version = data.get("formatversion")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise self.refuse(
                f"uses archive format version {version!r}, newer than this ShopDB reads "
                f"({FORMAT_VERSION}); restore it with the ShopDB that wrote it"
            )
        try:
            return _manifest(data)
        except (KeyError, TypeError, ValueError) as error:
            raise self.refuse(
                f"has a {MANIFEST_ENTRY} with a missing or bad field ({error})"
            ) from None

    def _check_entries(self) -> None:
        listed = {MANIFEST_ENTRY}
        for table in self.manifest.tables:
            if "/" in table.name or not table.name.isidentifier():
                raise self.refuse(f"names the table {table.name!r}, which is not a table name")
            unknown = sorted({kind for _name, kind in table.columns} - set(KINDS))
            if unknown:
                raise self.refuse(f"gives {table.name} the unknown column kind(s) {unknown}")
            listed.add(table.entry)
        for file in self.manifest.files:
            safe_relative_path(file.path)
            listed.add(file.entry)
        present = set()
        for info in self.zip.infolist():
            if info.filename.startswith(FILES_FOLDER):
                safe_relative_path(info.filename[len(FILES_FOLDER) :])
            present.add(info.filename)
        if present != listed:
            extra = sorted(present - listed)[:3]
            missing = sorted(listed - present)[:3]
            raise self.refuse(
                "does not match its manifest (entries not listed: "
                f"{', '.join(extra) or 'none'}; listed but missing: {', '.join(missing) or 'none'})"
            )

    # Reading ------------------------------------------------------------------

    def _open(self, name: str) -> IO[bytes]:
        return self.zip.open(name)

    def _read_all(self, name: str) -> bytes:
        try:
            with self._open(name) as stream:
                return stream.read()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise self.refuse(f"has a damaged entry {name} ({error})") from None

    def verify(self, progress: Callable[[int], None] | None = None) -> None:
        """Every table's row count and SHA-256, every file's size and SHA-256."""
        for table in self.manifest.tables:
            rows = 0
            digest = hashlib.sha256()
            for line in self._lines(table.entry):
                digest.update(line)
                rows += 1
                if progress is not None and rows % CHUNK_ROWS == 0:
                    progress(CHUNK_ROWS)
            if progress is not None:
                progress(rows % CHUNK_ROWS)
            self._compare(table.entry, rows, table.rows, digest.hexdigest(), table.sha256)
        for file in self.manifest.files:
            digest = hashlib.sha256()
            size = 0
            for chunk in self._chunks(file.entry):
                digest.update(chunk)
                size += len(chunk)
            self._compare(file.entry, size, file.bytes, digest.hexdigest(), file.sha256, "bytes")

    def _compare(
        self, entry: str, count: int, expected: int, digest: str, want: str, unit: str = "rows"
    ) -> None:
        if count != expected:
            raise self.refuse(f"has {count} {unit} in {entry}, but its manifest says {expected}")
        if digest != want:
            raise self.refuse(
                f"has a changed {entry}: its SHA-256 is {digest}, not the {want} the manifest "
                "records (a row was altered or the file is damaged)"
            )

    def _lines(self, name: str) -> Iterator[bytes]:
        """The entry's lines, each with its newline; read in large blocks
        (zipfile's own readline costs more than the rest of a restore)."""
        rest = b""
        for block in self._chunks(name):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            if len(rest) > MAX_LINE_BYTES:
                raise self.refuse(f"has a line in {name} longer than {MAX_LINE_BYTES} bytes")
            for line in lines:
                yield line + b"\n"
        if rest:
            raise self.refuse(f"has a last line in {name} that is cut short")

    def _chunks(self, name: str) -> Iterator[bytes]:
        try:
            with self._open(name) as stream:
                while chunk := stream.read(READ_BYTES):
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise self.refuse(f"has a damaged entry {name} ({error})") from None

    def row_chunks(self, table: TableEntry) -> Iterator[list[list[Any]]]:
        """The table's rows as driver parameters (column order), in chunks."""
        codec = RowCodec(kind for _name, kind in table.columns)
        chunk: list[list[Any]] = []
        for number, line in enumerate(self._lines(table.entry), start=1):
            try:
                chunk.append(codec.bind(line))
            except (ValueError, TypeError) as error:
                raise self.refuse(
                    f"has a bad row at line {number} of {table.entry} ({error})"
                ) from None
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def copy_file(self, file: FileEntry, destination: Path) -> None:
        """Write the file's bytes to `destination`, checking its SHA-256."""
        digest = hashlib.sha256()
        with destination.open("xb") as out:
            for chunk in self._chunks(file.entry):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != file.sha256:
            raise self.refuse(f"has a changed {file.entry} (SHA-256 differs from the manifest)")


def _manifest(data: dict[str, Any]) -> Manifest:
    tables = [
        TableEntry(
            name=str(item["name"]),
            columns=[[str(name), str(kind)] for name, kind in item["columns"]],
            primarykey=[str(name) for name in item["primarykey"]],
            rows=int(item["rows"]),
            bytes=int(item["bytes"]),
            sha256=str(item["sha256"]),
        )
        for item in data["tables"]
    ]
    files = [
        FileEntry(path=str(item["path"]), bytes=int(item["bytes"]), sha256=str(item["sha256"]))
        for item in data["files"]
    ]
    return Manifest(
        shopdbversion=str(data["shopdbversion"]),
        contractversion=str(data["contractversion"]),
        createdat=str(data["createdat"]),
        backend=str(data["backend"]),
        revisions=[str(revision) for revision in data["revisions"]],
        branches={str(key): str(value) for key, value in data["branches"].items()},
        plugins=[dict(plugin) for plugin in data["plugins"]],
        tables=tables,
        files=files,
    )
