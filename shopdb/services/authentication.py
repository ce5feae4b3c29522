"""Signing in with a password, and what a sign-in session may still do.

The HTTP layer issues and reads the tokens (Flask-JWT-Extended); this module
holds the rules behind them: which credentials are good, which users may sign
in, and which token ids have been revoked. Like every service it flushes but
never commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.orm import Session

from shopdb.errors import InvalidInputError
from shopdb.models import RevokedToken, Role, User, utcnow
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


EPOCH = datetime(1970, 1, 1)
MICROSECOND = timedelta(microseconds=1)


def microseconds(moment: datetime) -> int:
    """A naive UTC time as whole microseconds since the epoch (exact: no float)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - EPOCH) // MICROSECOND


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def issued_before_password_change(
    user: User | TokenUser, issuedat: Any, issuedus: Any = None
) -> bool:
    """Whether a sign-in token predates the user's last password change.

    `issuedus` is the token's issue time in microseconds (the `iatus` claim
    ShopDB adds), compared with the change to the microsecond, so that a token
    issued earlier in the same second as the change does not survive it while
    the tokens handed out right after the change do. A token without it has
    only `iat` (whole seconds) and counts as older unless issued in a later
    second than the change; one without a usable `iat` cannot prove it is
    newer. Both are refused once a password has been changed.
    """
    changedat = user.passwordchangedat
    if changedat is None:
        return False
    changed = microseconds(changedat)
    if _is_number(issuedus):
        return issuedus <= changed
    if not _is_number(issuedat):
        return True
    return issuedat <= changed // 1_000_000


# Revoked tokens -----------------------------------------------------------------


class TokenUser(NamedTuple):
    """What every signed-in request needs of its user, read as a plain row:
    building the ORM object (and its role) cost more than the query itself.
    A view that needs the whole row loads it (`shopdb.http.identity.current_user`)."""

    userid: int
    username: str
    role: str | None
    isactive: bool
    passwordchangedat: datetime | None


# The user and the revocation check in one statement, built once from the
# tables (an ORM-enabled statement costs twice as much to run); bound
# parameters: `userid`, and the token's ids as `tokenids`.
_USERS, _ROLES, _REVOKED = User.__table__.c, Role.__table__.c, RevokedToken.__table__.c
_TOKEN_USER = (
    select(
        _USERS.userid,
        _USERS.username,
        _ROLES.role,
        _USERS.isactive,
        _USERS.passwordchangedat,
        exists().where(_REVOKED.jti.in_(bindparam("tokenids", expanding=True))).label("isrevoked"),
    )
    .select_from(User.__table__.outerjoin(Role.__table__, _ROLES.roleid == _USERS.roleid))
    .where(_USERS.userid == bindparam("userid"))
)


def load_token_user(
    session: Session, userid: int, tokenids: list[str]
) -> tuple[TokenUser | None, bool]:
    """The user of a token (with its role's name) and whether any of
    `tokenids` is revoked.

    One statement per request, read again on every request (nothing is
    cached between requests, so a revoked token, a disabled account or a
    changed role counts at once): the blocklist check and the user load are
    the same query, since every authenticated request needs both.
    """
    row = session.execute(_TOKEN_USER, {"userid": userid, "tokenids": tokenids}).first()
    if row is None:
        return None, False
    return TokenUser(*row[:5]), bool(row[5])


def is_revoked(session: Session, jti: str) -> bool:
    return session.scalar(select(exists().where(RevokedToken.jti == jti))) or False


def rotate_refresh_token(session: Session, jti: str, expiresat: datetime) -> bool:
    """Retire a refresh token as it is exchanged for a new pair; False when it
    was retired already (used twice: see `end_reused_sign_in`)."""
    if is_revoked(session, jti):
        return False
    revoke(session, jti, expiresat)
    return True


def end_reused_sign_in(session: Session, jti: str, sid: str, expiresat: datetime) -> bool:
    """A refresh token that was already exchanged came back: either it was
    copied, or the rightful client lost the race with a thief. Which one
    cannot be told, so the whole sign-in (`sid`) ends, as OAuth 2.0 security
    best practice (RFC 9700, 4.14) asks. True when this ended the sign-in."""
    if not is_revoked(session, jti) or is_revoked(session, sid):
        return False
    revoke(session, sid, expiresat)
    return True


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
