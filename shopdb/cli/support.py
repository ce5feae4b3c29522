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
from shopdb.services.actor import Actor, bind_actor, command_actor
from shopdb.services.migrations import require_current_schema
from shopdb.services.unitofwork import unit_of_work


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


def cli_actor() -> Actor:
    """Who a command writes as: the operating-system account, one request id
    per command run (kept in the app context)."""
    if "cliactor" not in g:
        g.cliactor = command_actor(system_user())
    return g.cliactor


def act_as_cli_user() -> Actor:
    """Audit entries written by commands name the operating-system account:
    the actor is made here, at the interface, and handed to the session."""
    actor = cli_actor()
    g.setdefault("identity", actor.identity)
    bind_actor(get_session(), actor)
    return actor


class PluginCommandGroup(AppGroup):
    """`shopdb <plugin> ...`: a plugin's commands, run as the command-line user
    (so their audit entries name the account) and failing politely."""

    def invoke(self, ctx: click.Context) -> Any:
        with one_sentence():
            act_as_cli_user()
            return super().invoke(ctx)


@contextmanager
def transaction(check_schema: bool = True) -> Iterator[Session]:
    """A command's unit of work (`shopdb.services.unitofwork`) as the
    command-line account: committed at the end, rolled back on any error.

    A lost or unreachable database reads as one sentence naming the server.
    """
    database = get_database()
    if check_schema:
        require_current_schema(database.engine)
    actor = act_as_cli_user()
    session = get_session()
    try:
        with unit_of_work(session, actor):
            yield session
    except (OperationalError, InterfaceError) as error:
        raise unavailable(database.url, error) from None


def read_password(from_stdin: bool, prompt: str = "Password") -> str:
    """From standard input (one line) or an interactive prompt asked twice."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ShopDBError("No password was given on standard input.")
        return password
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
