"""The instance files that belong to a site, and paths that stay inside it.

Everything an upload stores lives under the instance folder (floor plans,
pictures, certificates). The embedded database's own files, the backups
folder and unfinished temporary files are not site data and stay out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from shopdb.errors import ShopDBError

BACKUPS_FOLDER = "backups"
PARTIAL_SUFFIX = ".partial"
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def excluded_paths(instance: Path, database: Path | None) -> set[Path]:
    """Files never copied: the SQLite database and its side files."""
    if database is None:
        return set()
    database = database.absolute()
    return {database.with_name(database.name + suffix) for suffix in SQLITE_SIDE_FILES}


def instance_files(instance: Path, database: Path | None) -> Iterator[tuple[str, Path]]:
    """(relative posix path, absolute path) of every site file, sorted."""
    if not instance.is_dir():
        return
    excluded = excluded_paths(instance, database)
    found = []
    for folder, subfolders, names in os.walk(instance):
        here = Path(folder)
        if here == instance:
            subfolders[:] = [name for name in subfolders if name != BACKUPS_FOLDER]
        subfolders.sort()
        for name in names:
            path = here / name
            if path.absolute() in excluded or name.endswith(PARTIAL_SUFFIX):
                continue
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(instance).as_posix(), path))
    yield from sorted(found)


def safe_relative_path(raw: str) -> str:
    """The archive's path for a file, refused when it would land outside the
    instance folder (absolute, `..`, a drive, a backslash) or in a place the
    site keeps for itself."""
    problem = ""
    if not raw or "\\" in raw or "\x00" in raw or ":" in raw:
        problem = "it is empty or holds a backslash, colon or NUL"
    else:
        path = PurePosixPath(raw)
        if path.is_absolute():
            problem = "it is absolute"
        elif any(part in ("..", ".", "") for part in raw.split("/")):
            problem = "it climbs out with '..' or has empty parts"
        elif path.parts[0] == BACKUPS_FOLDER or raw.endswith(PARTIAL_SUFFIX):
            problem = f"it names the {BACKUPS_FOLDER}/ folder or a temporary file"
    if problem:
        raise ShopDBError(
            f"The archive holds the file path {raw!r}, which would escape or misuse the "
            f"instance folder ({problem}); the archive is refused and nothing was changed."
        )
    return raw


def target_path(instance: Path, relative: str) -> Path:
    """Where a checked relative path lands, proven to be under `instance`
    even through symbolic links already on disk."""
    root = instance.resolve()
    path = (root / safe_relative_path(relative)).resolve()
    if root not in path.parents:
        raise ShopDBError(
            f"The archive's file {relative!r} would be written outside the instance folder "
            f"{root} (a symbolic link on the way leads out); nothing was changed."
        )
    return path
