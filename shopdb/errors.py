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
