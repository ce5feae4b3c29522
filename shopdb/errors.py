"""Errors that reach a person: each carries one sentence that says what is wrong
and, where there is one, what to do about it."""


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


class InvalidInputError(ValidationError):
    """Input refused field by field; `details` maps field names to messages."""

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class AuthenticationRequiredError(ShopDBError):
    """The caller must sign in (or send a valid token) first."""


class PermissionDeniedError(ShopDBError):
    """The caller is known but its role or token scope does not allow this."""
