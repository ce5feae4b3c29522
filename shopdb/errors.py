"""Errors that reach a person: each carries one sentence that says what is wrong
and, where there is one, what to do about it."""

from __future__ import annotations

import traceback
from pathlib import Path


class ShopDBError(Exception):
    """Base for errors the CLI prints as a single line instead of a traceback."""


class ConfigError(ShopDBError):
    """The configuration cannot be used; the message lists every problem found."""


class DatabaseUnavailableError(ShopDBError):
    """The database server cannot be reached or the URL cannot be used."""


class SchemaMismatchError(ShopDBError):
    """The database schema revision differs from the one this code expects."""


class ValidationError(ShopDBError):
    """Input that a command or service refuses, with the reason."""


class NotFoundError(ShopDBError):
    """The thing asked for does not exist."""


class ConflictError(ShopDBError):
    """The write would break a rule the data already holds (unique value,
    a row still referenced). `details` maps field names to messages."""

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class StaleRecordError(ConflictError):
    """The record changed since the caller read it (its version, sent back
    with the change, is no longer the record's): the change is refused
    rather than overwrite what someone else wrote. `version` is the
    record's version now."""

    def __init__(self, message: str, version: str) -> None:
        super().__init__(message, {"version": version})
        self.version = version


class InvalidInputError(ValidationError):
    """Input refused field by field; `details` maps field names to messages."""

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class AuthenticationRequiredError(ShopDBError):
    """The caller must sign in (or send a valid token) first."""


class PermissionDeniedError(ShopDBError):
    """The caller is known but its role or token scope does not allow this."""


def raised_at(error: BaseException, *folders: Path) -> str:
    """' at <file> line <n>': where `error` was raised, as the innermost frame
    inside one of `folders` (a plugin's, a migrations folder), else the
    innermost frame; '' when there is none."""
    if isinstance(error, SyntaxError) and error.filename:
        return f" at {error.filename} line {error.lineno}"
    frames = traceback.extract_tb(error.__traceback__)
    inside = [frame for frame in frames if _is_inside(frame.filename, folders)]
    chosen = inside or list(frames)
    if not chosen:
        return ""
    return f" at {chosen[-1].filename} line {chosen[-1].lineno}"


def _is_inside(filename: str, folders: tuple[Path, ...]) -> bool:
    try:
        path = Path(filename).resolve()
        return any(path.is_relative_to(folder.resolve()) for folder in folders)
    except (OSError, ValueError):
        return False
