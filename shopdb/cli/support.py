"""What every command shares: one-line errors, a transaction, password input."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import g
from flask.cli import AppGroup
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from shopdb.database import get_database, get_session, unavailable
from shopdb.errors import ShopDBError
from shopdb.services.access import Identity
from shopdb.services.migrations import require_current_schema


@contextmanager
def one_sentence() -> Iterator[None]:
    """A known failure (ShopDBError) prints one sentence and exits 1, not a traceback."""
    try:
        yield
    except ShopDBError as error:
        raise click.ClickException(str(error)) from None


class FriendlyCommand(click.Command):
    """A command whose known failures print one sentence and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        with one_sentence():
            return super().invoke(ctx)


class FriendlyGroup(AppGroup):
    """A command group whose commands run in an app context and fail politely."""

    command_class = FriendlyCommand


def system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return "unknown"


def act_as_cli_user() -> None:
    """Audit entries written by commands name the operating-system account."""
    g.setdefault("identity", Identity(username=f"cli:{system_user()}", via="cli"))


class PluginCommandGroup(AppGroup):
    """`shopdb <plugin> ...`: a plugin's commands, run as the command-line user
    (so their audit entries name the account) and failing politely."""

    def invoke(self, ctx: click.Context) -> Any:
        with one_sentence():
            act_as_cli_user()
            return super().invoke(ctx)


@contextmanager
def transaction(check_schema: bool = True) -> Iterator[Session]:
    """A session committed at the end, rolled back on any error.

    A lost or unreachable database reads as one sentence naming the server.
    """
    database = get_database()
    if check_schema:
        require_current_schema(database.engine)
    act_as_cli_user()
    session = get_session()
    try:
        yield session
        session.commit()
    except (OperationalError, InterfaceError) as error:
        session.rollback()
        raise unavailable(database.url, error) from None
    except BaseException:
        session.rollback()
        raise


def read_password(from_stdin: bool, prompt: str = "Password") -> str:
    """From standard input (one line) or an interactive prompt asked twice."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ShopDBError("No password was given on standard input.")
        return password
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
