"""Files stored in the instance folder that follow the database transaction.

An upload (a floor plan, a model's picture, a plugin's certificate PDF) is
written complete or not at all under a generated name in a folder of the
instance folder, and its relative path goes in a row. The file follows the
transaction that writes the row: written for a change that is not committed
(rolled back, or the session closed), it is removed again; a replaced or
deleted file is removed only once the change is committed, so a failed
change never loses the file the row still names.

Paths are relative to the instance folder (`floorplans/<32 hex>.svg`), and
`path_of` turns one into a file only inside the folders its caller allows:
a row's path may have been typed by someone (the instance folder also holds
the SQLite database).
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

# One part of a stored path: starts with a letter, digit or "_" (never "." or
# ".."), then letters, digits, ".", "_" and "-"; parts joined by "/".
PART = r"[A-Za-z0-9_][A-Za-z0-9._-]*"
RELATIVE_PATH = re.compile(rf"{PART}(?:/{PART})*")
EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")

# Session.info keys: files to remove once the transaction ends one way or the other.
REMOVE_ON_COMMIT = "shopdb.storedfiles.removeoncommit"
REMOVE_ON_ROLLBACK = "shopdb.storedfiles.removeonrollback"


class StoredFileError(ValueError):
    """A stored path that is not a file of the folders the caller allows."""


def instance_folder() -> Path:
    return Path(current_app.config["SHOPDB_INSTANCE_PATH"])


def inside(relpath: str, folders: Sequence[str]) -> bool:
    """Whether `relpath` is a well-formed path directly or deeper inside one
    of `folders` (relative folder names such as "floorplans")."""
    if not RELATIVE_PATH.fullmatch(relpath):
        return False
    return any(relpath.startswith(f"{folder.strip('/')}/") for folder in folders)


def path_of(relpath: str, folders: Sequence[str]) -> Path:
    """The file of a stored path, refused (StoredFileError) unless it lies
    inside one of `folders` of the instance folder, also after symbolic
    links are followed."""
    if not inside(relpath, folders):
        raise StoredFileError(
            f"{relpath!r} is not a stored file under {', '.join(f + '/' for f in folders)}"
        )
    base = instance_folder()
    path = base / relpath
    resolved = path.resolve()
    if not any(
        resolved.is_relative_to((base / folder).resolve()) for folder in folders
    ):  # a symbolic link pointing out of the folder
        raise StoredFileError(f"{relpath!r} leads out of its upload folder")
    return path


def store(session: Session, folder: str, data: bytes, extension: str) -> str:
    """Write `data` under a new generated name in `folder` (relative to the
    instance folder), complete or not at all, and return its relative path
    (`floorplans/<32 hex>.png`); the file goes again if the transaction
    rolls back."""
    if not RELATIVE_PATH.fullmatch(folder) or not EXTENSION.fullmatch(extension):
        raise StoredFileError(f"cannot store a file as {folder!r}/*{extension}")
    session.connection()  # the transaction the file belongs to, begun if need be
    target = instance_folder() / folder
    target.mkdir(parents=True, exist_ok=True)
    relpath = f"{folder}/{uuid.uuid4().hex}{extension}"
    handle, temporary = tempfile.mkstemp(dir=target, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, instance_folder() / relpath)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    session.info.setdefault(REMOVE_ON_ROLLBACK, []).append(instance_folder() / relpath)
    return relpath


def discard(session: Session, relpath: str | None, folders: Sequence[str]) -> None:
    """Remove a stored file once the transaction that dropped it commits. A
    path outside `folders` (typed in by someone, or a web address) is left
    alone: only files of the upload folders are ever removed."""
    if relpath and inside(relpath, folders):
        session.connection()  # tie it to the transaction, begun if need be
        session.info.setdefault(REMOVE_ON_COMMIT, []).append(path_of(relpath, folders))


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(REMOVE_ON_ROLLBACK, None)
    _remove(session.info.pop(REMOVE_ON_COMMIT, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (rolled back, or the
    session closed): the files written for it go, the ones it dropped stay."""
    if transaction.parent is not None:
        return  # a savepoint; the outer transaction decides
    session.info.pop(REMOVE_ON_COMMIT, None)
    _remove(session.info.pop(REMOVE_ON_ROLLBACK, []))
