"""API tokens for scripts and collectors: named, scoped, shown once, stored
hashed, expiring, revocable, last use recorded.

The plaintext is `sdb_` followed by 32 random bytes (URL-safe base64). Only its
SHA-256 digest is stored. A slow password KDF (Argon2) would add nothing here:
it exists to make guessing low-entropy human passwords expensive, while 256
random bits cannot be guessed at any speed. A fast, unsalted digest also lets
the token be found by an indexed lookup on `tokenhash`, so verification costs
one query instead of a KDF run per stored token.

These functions add and flush but never commit and never audit: the caller owns
the transaction and records the audit entry with the rest of its change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from shopdb.database import is_retryable
from shopdb.errors import InvalidInputError
from shopdb.models import ApiToken, User, utcnow
from shopdb.services.access import SCOPE_COLLECTOR, SCOPE_READ, SCOPE_WRITE, SCOPES

TOKEN_PREFIX = "sdb_"
# What lists show so a person can tell tokens apart: "sdb_" and 8 characters.
DISPLAY_PREFIX_LENGTH = 12
# Longer than any token we issue; longer input is refused before hashing.
MAXIMUM_TOKEN_LENGTH = 200
NAME_LENGTH = 100
# `lastusedat` is rewritten at most this often, so a busy script does not
# cost a database write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# What each token scope lets the caller do (see services.access).
SCOPE_GRANTS = {
    SCOPE_READ: frozenset({SCOPE_READ}),
    SCOPE_WRITE: frozenset({SCOPE_READ, SCOPE_WRITE}),
    SCOPE_COLLECTOR: frozenset({SCOPE_COLLECTOR}),
}


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def new_plaintext() -> str:
    """A new token: shown to its owner once, never stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def looks_like_token(value: str | None) -> bool:
    """True for values that claim to be ShopDB API tokens (they carry the prefix)."""
    return value is not None and value.startswith(TOKEN_PREFIX)


def scopes_for(scope: str) -> frozenset[str]:
    return SCOPE_GRANTS.get(scope, frozenset())


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def validate_token_fields(
    name: object, scope: object, expiresat: object
) -> tuple[str, str, datetime | None]:
    """Check every field at once so the caller hears about all problems together."""
    problems: dict[str, list[str]] = {}
    clean_name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(clean_name) <= NAME_LENGTH:
        problems["name"] = [f"Give the token a name of 1 to {NAME_LENGTH} characters."]
    if scope not in SCOPES:
        problems["scope"] = [f"The scope must be one of {', '.join(SCOPES)}."]
    clean_expiry = None
    if expiresat is not None:
        if not isinstance(expiresat, datetime):
            problems["expiresat"] = ["The expiry must be a date and time."]
        else:
            clean_expiry = _naive_utc(expiresat)
            if clean_expiry <= utcnow():
                problems["expiresat"] = ["The expiry must be in the future."]
    if problems:
        raise InvalidInputError("The API token has invalid fields; see details.", problems)
    return clean_name, str(scope), clean_expiry


def create_token(
    session: Session, user: User, name: str, scope: str, expiresat: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; the plaintext is returned here and nowhere else."""
    clean_name, clean_scope, clean_expiry = validate_token_fields(name, scope, expiresat)
    if not user.isactive:
        raise InvalidInputError(
            f"The user {user.username!r} is disabled and cannot get API tokens.",
            {"userid": ["This user is disabled."]},
        )
    plaintext = new_plaintext()
    token = ApiToken(
        user=user,
        name=clean_name,
        scope=clean_scope,
        expiresat=clean_expiry,
        tokenhash=hash_token(plaintext),
        tokenprefix=plaintext[:DISPLAY_PREFIX_LENGTH],
    )
    session.add(token)
    session.flush()
    return token, plaintext


def verify_token(session: Session, plaintext: str) -> ApiToken | None:
    """The live token behind `plaintext`, its user and role loaded, or None.

    None covers unknown, revoked and expired tokens and tokens of disabled users:
    callers answer all of them the same way.
    """
    if not looks_like_token(plaintext) or len(plaintext) > MAXIMUM_TOKEN_LENGTH:
        return None
    digest = hash_token(plaintext)
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.tokenhash == digest)
        .options(joinedload(ApiToken.user).joinedload(User.role))
    )
    # The lookup already matched the digest; comparing again in constant time
    # keeps the check honest should a database compare loosely (collations).
    if token is None or not hmac.compare_digest(token.tokenhash, digest):
        return None
    now = utcnow()
    if token.revokedat is not None or (token.expiresat is not None and token.expiresat <= now):
        return None
    if not token.user.isactive:
        return None
    _record_use(session, token, now)
    return token


def _record_use(session: Session, token: ApiToken, now: datetime) -> None:
    """Write `lastusedat` when it is a minute old or more.

    A plain UPDATE leaves `modifiedat` alone (last use is not an edit of the
    token), and its WHERE clause lets only one of many concurrent requests write.
    """
    if token.lastusedat is not None and now - token.lastusedat < LAST_USED_RESOLUTION:
        return
    threshold = now - LAST_USED_RESOLUTION
    try:
        with session.begin_nested():
            session.execute(
                update(ApiToken)
                .where(ApiToken.apitokenid == token.apitokenid)
                .where(or_(ApiToken.lastusedat.is_(None), ApiToken.lastusedat <= threshold))
                .values(lastusedat=now, modifiedat=ApiToken.modifiedat)
                .execution_options(synchronize_session=False)
            )
    except DBAPIError as error:
        # SQLite refuses to turn this read into a write while others write;
        # the time is a hint, so the request goes on and a later one records it.
        if not is_retryable(error):
            raise
        return
    set_committed_value(token, "lastusedat", now)


def revoke_token(session: Session, token: ApiToken) -> ApiToken:
    """Stop a token from working; revoking twice keeps the first time."""
    if token.revokedat is None:
        token.revokedat = utcnow()
        session.flush()
    return token
