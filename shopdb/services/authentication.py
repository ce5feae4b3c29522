"""Signing in with a password, and what a sign-in session may still do.

The HTTP layer issues and reads the tokens (Flask-JWT-Extended); this module
holds the rules behind them: which credentials are good, which users may sign
in, and which token ids have been revoked. Like every service it flushes but
never commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, joinedload

from shopdb.errors import InvalidInputError
from shopdb.models import RevokedToken, User, utcnow
from shopdb.services.passwords import (
    MAXIMUM_LENGTH,
    hash_password,
    password_problems,
    verify_password,
)
from shopdb.services.users import find_user, new_password_values

# Reasons a sign-in fails; they go to the audit trail, never to the caller.
UNKNOWN_USER = "unknown user name"
WRONG_PASSWORD = "wrong password"
DISABLED_USER = "the account is disabled"
# Longer user names cannot exist (users.username is 100 characters).
USERNAME_LENGTH = 100


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that an
    unknown name costs the same time as a wrong password and names cannot be
    probed by timing. Made once per process, on first use."""
    return hash_password("shopdb timing equaliser, never a real password")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check: the user, or the reason it failed."""

    user: User | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None and self.reason is None


def authenticate(session: Session, username: str, password: str) -> SignIn:
    """Check a user name (any case) and password.

    Every path verifies one Argon2 hash, so the reply time says nothing about
    whether the name exists or the account is disabled.
    """
    user = None
    # No user name holds a NUL, and PostgreSQL refuses one in a query.
    if username.strip() and len(username) <= USERNAME_LENGTH and "\x00" not in username:
        user = find_user(session, username)
    if len(password) > MAXIMUM_LENGTH:
        # No account has a password this long; do not spend the KDF on it.
        password = ""
    if user is None:
        verify_password(_dummy_hash(), password)
        return SignIn(None, UNKNOWN_USER)
    if not verify_password(user.passwordhash, password):
        return SignIn(user, WRONG_PASSWORD)
    if not user.isactive:
        return SignIn(user, DISABLED_USER)
    return SignIn(user)


def record_sign_in(user: User) -> None:
    user.lastloginat = utcnow()


def change_password(user: User, currentpassword: str, newpassword: str) -> None:
    """Change a user's own password: the current one must be right and the new
    one must pass the password policy (services.passwords). Field details name
    what is wrong."""
    if not verify_password(user.passwordhash, currentpassword):
        raise InvalidInputError(
            "The current password is not correct.",
            {"currentpassword": ["The current password is not correct."]},
        )
    problems = password_problems(newpassword, user.username)
    if newpassword == currentpassword:
        problems.append("it is the same as the current password")
    if problems:
        raise InvalidInputError(
            f"The new password is too weak: {'; '.join(problems)}.",
            {"newpassword": [f"The password is too weak: {problem}." for problem in problems]},
        )
    for column, value in new_password_values(newpassword).items():
        setattr(user, column, value)


def issued_before_password_change(user: User, issuedat: Any) -> bool:
    """Whether a sign-in token issued at `issuedat` (the JWT `iat`, whole
    seconds since the epoch) predates the user's last password change.

    The change time is cut to its second: a token issued in the same second
    counts as issued after it, so the tokens that the password endpoint hands
    out right after the change stay valid. A token without a usable `iat`
    cannot prove it is newer and is refused once a password has been changed.
    """
    changedat = user.passwordchangedat
    if changedat is None:
        return False
    if isinstance(issuedat, bool) or not isinstance(issuedat, int | float):
        return True
    changedsecond = int(changedat.replace(tzinfo=UTC).timestamp())
    return issuedat < changedsecond


# Revoked tokens -----------------------------------------------------------------


def load_token_user(session: Session, userid: int, tokenids: list[str]) -> tuple[User | None, bool]:
    """The user of a token (role loaded) and whether any of `tokenids` is revoked.

    One statement per request: the blocklist check and the user load are the
    same query, since every authenticated request needs both.
    """
    revoked = exists().where(RevokedToken.jti.in_(tokenids)).label("isrevoked")
    row = session.execute(
        select(User, revoked).where(User.userid == userid).options(joinedload(User.role))
    ).first()
    if row is None:
        return None, False
    return row[0], bool(row[1])


def revoke(session: Session, jti: str, expiresat: datetime) -> None:
    """Refuse a token id (or session id) from now on.

    Expired entries are purged on the way: a token past its expiry is refused
    for that reason alone, so its entry is no longer needed.
    """
    now = utcnow()
    session.execute(delete(RevokedToken).where(RevokedToken.expiresat < now))
    if session.scalar(select(RevokedToken.revokedtokenid).where(RevokedToken.jti == jti)):
        return
    session.add(RevokedToken(jti=jti, expiresat=max(expiresat, now)))
    session.flush()
