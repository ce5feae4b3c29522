"""`shopdb user`: accounts for people, managed from the shell."""

from __future__ import annotations

import click

from shopdb.cli.support import FriendlyGroup, read_password, transaction
from shopdb.models import ADMIN, EDITOR, VIEWER
from shopdb.services import users
from shopdb.services.passwords import generate_password


@click.group("user", cls=FriendlyGroup)
def user_group() -> None:
    """Create users, change passwords, list and disable accounts."""


@user_group.command("create")
@click.argument("username")
@click.option(
    "--role", type=click.Choice([ADMIN, EDITOR, VIEWER]), default=VIEWER, show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--generate-password", is_flag=True, help="Generate a strong password and print it once."
)
@click.option("--exists-ok", is_flag=True, help="Keep an existing user of that name; no error.")
@click.option("--display-name", default=None)
@click.option("--email", default=None)
def create(
    username: str,
    role: str,
    password_stdin: bool,
    generate_password: bool,
    exists_ok: bool,
    display_name: str | None,
    email: str | None,
) -> None:
    """Create the user USERNAME (prompts for the password unless told otherwise)."""
    with transaction() as session:
        existing = users.find_user(session, username)
        if existing is not None and exists_ok:
            click.echo(f"User {existing.username!r} already exists; keeping it as it is.")
            return
        if existing is None:
            users.normalise_username(username)
        password = _new_password(password_stdin, generate_password)
        user = users.create_user(
            session, username, password, role, displayname=display_name, email=email
        )
    click.echo(f"Created user {user.username!r} with role {role!r}.")
    if generate_password:
        click.echo(f"Generated password (shown only now): {password}")


def _new_password(from_stdin: bool, generated: bool) -> str:
    if from_stdin and generated:
        raise click.UsageError("Use either --password-stdin or --generate-password, not both.")
    return generate_password() if generated else read_password(from_stdin)


@user_group.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(username: str, password_stdin: bool) -> None:
    """Give USERNAME a new password."""
    with transaction() as session:
        users.get_user(session, username)
        password = read_password(password_stdin, "New password")
        user = users.set_password(session, username, password)
    click.echo(f"Changed the password of {user.username!r}.")


@user_group.command("list")
def list_users() -> None:
    """List every account with its role and state."""
    with transaction() as session:
        rows = users.list_users(session)
    if not rows:
        click.echo(
            "There are no users yet; create one with 'shopdb user create NAME --role admin'."
        )
        return
    click.echo(f"{'USERNAME':<24} {'ROLE':<8} {'ACTIVE':<6} LAST LOGIN")
    for user in rows:
        last = user.lastloginat.isoformat(sep=" ", timespec="seconds") if user.lastloginat else "-"
        active = "yes" if user.isactive else "no"
        click.echo(f"{user.username:<24} {user.role.role:<8} {active:<6} {last}")


@user_group.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Stop USERNAME from signing in; the account and its history stay."""
    with transaction() as session:
        user = users.set_active(session, username, False)
    click.echo(f"Disabled {user.username!r}.")


@user_group.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Let a disabled USERNAME sign in again."""
    with transaction() as session:
        user = users.set_active(session, username, True)
    click.echo(f"Enabled {user.username!r}.")
