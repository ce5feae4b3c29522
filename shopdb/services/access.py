"""Who is calling and what they may do.

Authentication (cookies, bearer JWTs, API tokens) happens in the HTTP layer,
which knows the caller (`shopdb.http.identity.current_identity`) and asks
this module whether it may act (`allows`, `require`); this module reads no
request globals.
Roles are ordered: viewer < editor < admin. API tokens narrow a user's rights
by scope: `read` tokens only read, `write` tokens read and write, `collector`
tokens only push to collector endpoints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from shopdb.errors import AuthenticationRequiredError, PermissionDeniedError
from shopdb.models import ADMIN, EDITOR, VIEWER

ROLE_RANK = {VIEWER: 1, EDITOR: 2, ADMIN: 3}
SCOPE_READ = "read"
SCOPE_WRITE = "write"
SCOPE_COLLECTOR = "collector"
SCOPES = (SCOPE_READ, SCOPE_WRITE, SCOPE_COLLECTOR)
ANONYMOUS_READ_SETTING = "security.allowanonymousread"


class Access(enum.Enum):
    """What an action needs, declared by each resource for reading and writing."""

    ASSET_READ = "asset-read"  # anyone when the site allows anonymous reading, else viewer
    VIEWER = VIEWER
    EDITOR = EDITOR
    ADMIN = ADMIN
    AUTHENTICATED = "authenticated"  # any signed-in user, whatever the role
    # A user signed in with a password (cookie or JWT), not an API token: for
    # managing credentials, so that one leaked token cannot mint others.
    PERSON = "person"


@dataclass(frozen=True)
class Identity:
    """The caller of the current request."""

    userid: int | None = None
    username: str | None = None
    role: str | None = None
    via: str = "anonymous"  # anonymous, cookie, bearer, apitoken, collectorkey
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({SCOPE_READ, SCOPE_WRITE}))

    @property
    def is_authenticated(self) -> bool:
        return self.userid is not None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK.get(self.role or "", 0) >= ROLE_RANK[minimum]


ANONYMOUS = Identity()


def allows(identity: Identity, access: Access, *, write: bool, anonymous_read: bool) -> bool:
    """The rule itself, free of Flask, so tests and the UI can ask it directly."""
    if write and SCOPE_WRITE not in identity.scopes:
        return False
    if not write and SCOPE_READ not in identity.scopes:
        return False
    if access is Access.ASSET_READ:
        return anonymous_read or identity.has_role(VIEWER)
    if access is Access.AUTHENTICATED:
        return identity.is_authenticated
    if access is Access.PERSON:
        return identity.is_authenticated and identity.via != "apitoken"
    return identity.has_role(access.value)


def check_access(
    identity: Identity, access: Access, *, write: bool, anonymous_read: bool = False
) -> Identity:
    """Return `identity`, or raise 401 (not signed in) / 403 (not allowed)."""
    if allows(identity, access, write=write, anonymous_read=anonymous_read):
        return identity
    if not identity.is_authenticated:
        raise AuthenticationRequiredError("Sign in first: this needs an authenticated user.")
    if write and SCOPE_WRITE not in identity.scopes:
        raise PermissionDeniedError("This API token's scope does not allow writing.")
    if not write and SCOPE_READ not in identity.scopes:
        raise PermissionDeniedError("This API token's scope does not allow reading.")
    if access is Access.PERSON:
        raise PermissionDeniedError(
            "Sign in with a password for this; an API token cannot do it, so that one "
            "leaked token cannot make or revoke others."
        )
    needed = "viewer" if access is Access.ASSET_READ else access.value
    raise PermissionDeniedError(
        f"Your role {identity.role!r} may not do this; it needs the {needed!r} role."
    )
