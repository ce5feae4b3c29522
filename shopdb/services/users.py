"""User accounts: create, change password, list, disable."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shopdb.errors import ConflictError, ValidationError
from shopdb.models import Role, User, utcnow
from shopdb.services import records
from shopdb.services.passwords import hash_password, password_problems

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
# The same in any case, for the OpenAPI document (names are stored lower-case).
USERNAME_FORM = "[A-Za-z0-9][A-Za-z0-9._@-]{1,99}"
USERNAME_RULE = (
    "2 to 100 characters: letters, digits, '.', '_', '-' or '@', starting with a letter or digit"
)


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: `Admin` and `admin` are one account."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise ValidationError(f"The user name {username!r} is not valid; use {USERNAME_RULE}.")
    return name


def check_password(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise ValidationError(f"The password is too weak: {'; '.join(problems)}.")


def new_password_values(password: str) -> dict[str, Any]:
    """The columns to write when a user's password is set (not at creation):
    the hash, and the time, before which every sign-in token is refused."""
    return {"passwordhash": hash_password(password), "passwordchangedat": utcnow()}


def find_user(session: Session, username: str) -> User | None:
    name = username.strip().lower()
    return session.scalar(select(User).where(func.lower(User.username) == name))


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise ValidationError(f"There is no user named {username!r}.")
    return user


def get_role(session: Session, role: str) -> Role:
    found = session.scalar(select(Role).where(Role.role == role))
    if found is None:
        known = ", ".join(session.scalars(select(Role.role).order_by(Role.role))) or "none"
        hint = "" if known != "none" else "; run 'shopdb seed' first"
        raise ValidationError(f"There is no role {role!r} (known roles: {known}){hint}.")
    return found


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    displayname: str | None = None,
    email: str | None = None,
) -> User:
    name = normalise_username(username)
    if find_user(session, name) is not None:
        raise ValidationError(f"A user named {name!r} already exists.")
    check_password(password, name)
    values = {
        "username": name,
        "passwordhash": hash_password(password),
        "roleid": get_role(session, role).roleid,
        "displayname": displayname,
        "email": email,
    }
    try:
        return records.create_record(session, User, values)
    except ConflictError:
        raise ValidationError(f"A user named {name!r} already exists.") from None


def set_password(session: Session, username: str, password: str) -> User:
    user = get_user(session, username)
    check_password(password, user.username)
    records.update_record(session, user, new_password_values(password))
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    user = get_user(session, username)
    records.update_record(session, user, {"isactive": active})
    return user


def list_users(session: Session) -> list[User]:
    query = select(User).options(selectinload(User.role)).order_by(User.username)
    return list(session.scalars(query))
