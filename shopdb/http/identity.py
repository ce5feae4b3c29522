"""Who is calling: every request's credentials become `flask.g.identity`.

Credentials, in order:
- an API token (`sdb_...`) in `X-API-Key` or `Authorization: Bearer`;
- a JWT access token in `Authorization: Bearer` or in the HttpOnly cookie set
  at sign-in (cookie writes must pass the double-submit CSRF check).
No credentials means the anonymous identity. Bad credentials (unknown, expired
or revoked token, a disabled user) are refused with 401 on /api/ even where
anonymous callers may read: a client that sends credentials must learn they
are bad. Pages outside /api/ (UI, static files) treat bad credentials as
anonymous and leave the reason in `g.credentialsproblem`, so an expired cookie
never breaks the login page or its stylesheet.

The user is read again on every request, in the same query as the
revocation check (a plain row, `TokenUser`), so a revoked token, a disabled
account or a changed role takes effect at once; nothing about a caller is
kept between requests. The user's ORM row is loaded only for a view that
asks for it (`current_user`). A JWT issued
(`iatus`, to the microsecond) before the user's last password change
(`users.passwordchangedat`) counts as revoked, and so does one without `exp`.
A refresh token is good for one exchange (/api/auth/refresh rotates it); one
that comes back after its exchange ends its whole sign-in (reuse detection).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask import Response as FlaskResponse
from flask_jwt_extended import (
    JWTManager,
    get_current_user,
    get_jwt_request_location,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt.exceptions import PyJWTError
from sqlalchemy.orm import joinedload

from shopdb.database import get_session
from shopdb.http.envelope import ApiError, error_response
from shopdb.models import User, utcnow
from shopdb.services.access import (
    ANONYMOUS,
    ANONYMOUS_READ_SETTING,
    SCOPE_READ,
    SCOPE_WRITE,
    Access,
    Identity,
    check_access,
)
from shopdb.services.actor import Actor, bind_actor
from shopdb.services.authentication import (
    TokenUser,
    end_reused_sign_in,
    issued_before_password_change,
    load_token_user,
    microseconds,
)
from shopdb.services.settings import get_setting
from shopdb.services.tokens import looks_like_token, scopes_for, verify_token
from shopdb.services.unitofwork import end_reads, unit_of_work

API_KEY_HEADER = "X-API-Key"
# Paths where bad credentials are refused; elsewhere they read as anonymous.
STRICT_PREFIX = "/api/"
JWT_SCOPES = frozenset({SCOPE_READ, SCOPE_WRITE})
# The claim with a token's issue time in microseconds since the epoch.
ISSUED_US_CLAIM = "iatus"

View = TypeVar("View", bound=Callable[..., Any])


def verifies_own_credentials(view: View) -> View:
    """Mark a view that reads credentials itself; the hook then resolves only
    ShopDB API tokens for it and ignores JWTs and other keys.

    For sign-in (stale cookies must not stop a new sign-in), refresh and
    sign-out (they accept a refresh token), and endpoints that take keys
    which are not ShopDB API tokens (collector keys).
    """
    view.verifies_own_credentials = True  # type: ignore[attr-defined]
    return view


def current_identity() -> Identity:
    """The caller of the current request (anonymous outside one)."""
    return g.get("identity", ANONYMOUS) if has_app_context() else ANONYMOUS


def request_id() -> str | None:
    """The id shared by every audit entry of the current request.

    Kept in the WSGI environment during a request, so it belongs to that
    request even when an application context outlives it (tests, CLI).
    """
    if has_request_context():
        return request.environ.setdefault("shopdb.requestid", str(uuid.uuid4()))
    return None


def request_actor() -> Actor:
    """Who writes in this request: the caller, its address and the request
    id, made here once and handed to the unit of work and the write path."""
    if not has_request_context():
        return Actor(current_identity(), requestid=None)
    return Actor(current_identity(), address=request.remote_addr, requestid=request_id())


def require(access: Access, *, write: bool, anonymous_read: bool = False) -> Identity:
    """Return the caller, or raise 401 (not signed in) / 403 (not allowed)."""
    return check_access(current_identity(), access, write=write, anonymous_read=anonymous_read)


def authorize(access: Access, *, write: bool) -> None:
    """Raise 401/403 unless the caller may do this; reads the anonymous-read
    setting only when it matters (an anonymous caller reading asset data)."""
    anonymous_read = False
    identity = current_identity()
    if access is Access.ASSET_READ and not write and not identity.is_authenticated:
        anonymous_read = bool(get_setting(get_session(), ANONYMOUS_READ_SETTING, False))
    require(access, write=write, anonymous_read=anonymous_read)


def guarded(access: Access, *, write: bool) -> Callable[[View], View]:
    """Check permissions before the arguments are parsed, so a caller who may
    not do this hears 401/403, not complaints about its fields. Applied as the
    outermost decorator on a view; `functools.wraps` keeps flask-smorest's
    doc data. The generic resource endpoints and /api/auth use it alike; a
    write then opens its unit of work (`shopdb.services.unitofwork`)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            authorize(access, write=write)
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def current_user() -> User | None:
    """The signed-in user's row, loaded on first use in a request: most
    requests need only the identity, which the token's check already read."""
    if "currentuser" not in g:
        userid = g.get("currentuserid")
        g.currentuser = (
            None
            if userid is None
            else get_session().get(User, userid, options=[joinedload(User.role)])
        )
    return g.currentuser


def identity_for(user: User | TokenUser, via: str, scopes: frozenset[str]) -> Identity:
    role = user.role if isinstance(user, TokenUser) else user.role.role
    return Identity(userid=user.userid, username=user.username, role=role, via=via, scopes=scopes)


# The request hook ------------------------------------------------------------


def resolve_identity() -> FlaskResponse | None:
    refused = _resolve()
    if refused is None and request.endpoint and not _is_static(request.endpoint):
        # The default actor of writes in this request; a unit of work binds its own.
        bind_actor(get_session(), request_actor())
    return refused


def _resolve() -> FlaskResponse | None:
    g.identity = ANONYMOUS
    # g outlives a request when a test (or a command) holds an app context
    # around several requests; nothing about a previous caller may leak in.
    for name in ("currentuser", "currentuserid", "apitoken", "tokenuser", "credentialsproblem"):
        g.pop(name, None)
    if request.method == "OPTIONS" or _is_static(request.endpoint):
        return None
    if request.routing_exception is not None:
        # No view will run (404, 405): say so, not that the key is wrong.
        return None
    try:
        found = _identify()
    except (ApiError, JWTExtendedException, PyJWTError) as problem:
        g.pop("currentuser", None)
        g.pop("currentuserid", None)
        if not request.path.startswith(STRICT_PREFIX):
            g.credentialsproblem = str(problem)
            return None
        if isinstance(problem, ApiError):
            raise ApiError(
                401, problem.code, problem.message, headers=challenge(problem.code)
            ) from None
        raise  # answered by the Flask-JWT-Extended callbacks below
    if found is not None:
        g.identity = found
    return None


def _is_static(endpoint: str | None) -> bool:
    """Static files need no caller; skipping them saves a query per asset."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def bearer_value() -> str | None:
    header = request.headers.get("Authorization", "").strip()
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _identify() -> Identity | None:
    api_key = request.headers.get(API_KEY_HEADER, "").strip()
    bearer = bearer_value()
    for candidate in (api_key, bearer):
        if candidate is not None and looks_like_token(candidate):
            return _identify_api_token(candidate)
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "verifies_own_credentials", False):
        return None
    if api_key:
        raise ApiError(
            401,
            "invalid_api_key",
            f"The {API_KEY_HEADER} header does not hold a ShopDB API token (they start "
            "with 'sdb_'); create one under /api/apitokens.",
        )
    if verify_jwt_in_request(optional=True) is None:
        return None
    user = get_current_user()
    via = "cookie" if get_jwt_request_location() == "cookies" else "bearer"
    return identity_for(user, via, JWT_SCOPES)


def _identify_api_token(plaintext: str) -> Identity:
    session = get_session()
    token = verify_token(session, plaintext)
    if token is None:
        raise ApiError(
            401,
            "invalid_token",
            "The API token is not valid: it is unknown, revoked or expired, or its user "
            "is disabled.",
        )
    # verify_token may have recorded the use; keep it whatever the request does next.
    end_reads(session)
    g.currentuser = token.user
    g.apitoken = token
    return identity_for(token.user, "apitoken", scopes_for(token.scope))


# Flask-JWT-Extended callbacks ----------------------------------------------------


def _token_user(payload: dict[str, Any]) -> tuple[TokenUser | None, bool]:
    """The token's user and whether the token or its session is revoked, asked
    once per request (the blocklist check and the user lookup share it)."""
    key = (payload.get("sub"), payload.get("jti"))
    cached = g.get("tokenuser")
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    try:
        userid = int(payload["sub"])
    except (KeyError, TypeError, ValueError):
        return None, False
    tokenids = [value for value in (payload.get("jti"), payload.get("sid")) if value]
    user, revoked = load_token_user(get_session(), userid, tokenids)
    # A password change ends every sign-in token issued before it; the row is
    # already loaded, so this costs no query.
    if user is not None and issued_before_password_change(
        user, payload.get("iat"), payload.get(ISSUED_US_CLAIM)
    ):
        revoked = True
    g.tokenuser = (key, user, revoked)
    return user, revoked


def _is_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    return _token_user(payload)[1]


def _lookup_user(_header: dict[str, Any], payload: dict[str, Any]) -> TokenUser | None:
    """Flask-JWT-Extended's current user: the `TokenUser` (views that need
    the ORM row call `current_user`)."""
    user = _token_user(payload)[0]
    if user is None or not user.isactive:
        return None
    g.currentuserid = user.userid
    return user


def _default_claims(_identity: Any) -> dict[str, Any]:
    """Every token carries its issue time to the microsecond (JWT `iat` has
    whole seconds), so a password change ends even the tokens issued earlier
    in its second; a token created without a session id starts a session of
    its own."""
    return {"sid": str(uuid.uuid4()), ISSUED_US_CLAIM: microseconds(utcnow())}


def _verify_claims(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
    """A token that never expires is refused: nothing but a password change
    could end it. ShopDB issues none; one signed with a leaked key might."""
    return isinstance(payload.get("exp"), int | float) and not isinstance(payload["exp"], bool)


def challenge(code: str) -> dict[str, str]:
    """The WWW-Authenticate header of every 401 that names a bad credential."""
    return {"WWW-Authenticate": f'Bearer realm="ShopDB", error="{code}"'}


def unauthorized(code: str, message: str) -> FlaskResponse:
    """A 401 as a reply, for Flask-JWT-Extended's callbacks (which must
    return one); views raise ApiError with `challenge(code)` instead."""
    response = error_response(401, code, message)
    response.headers.update(challenge(code))
    return response


def _expired(_header: dict[str, Any], payload: dict[str, Any]) -> FlaskResponse:
    if payload.get("type") == "refresh":
        return unauthorized("token_expired", "The refresh token has expired; sign in again.")
    return unauthorized(
        "token_expired",
        "The access token has expired; get a new one from /api/auth/refresh or sign in again.",
    )


def _invalid(reason: str) -> FlaskResponse:
    return unauthorized("invalid_token", f"The sign-in token is not valid ({reason}).")


def _missing(reason: str) -> FlaskResponse:
    return unauthorized("authentication_required", f"Sign in first or send a token ({reason}).")


def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> FlaskResponse:
    if payload.get("type") == "refresh" and _ended_reused_sign_in(payload):
        return unauthorized(
            "token_reused",
            "This refresh token was already exchanged for a new one; using it again ends "
            "the whole sign-in, since a copy of it may be in other hands. Sign in again.",
        )
    return unauthorized(
        "token_revoked",
        "This sign-in token was revoked (signed out, or the password changed); sign in again.",
    )


def _ended_reused_sign_in(payload: dict[str, Any]) -> bool:
    """Reuse detection: a rotated refresh token came back, so its sign-in ends."""
    jti, sid, exp = payload.get("jti"), payload.get("sid"), payload.get("exp")
    if not (isinstance(jti, str) and isinstance(sid, str) and isinstance(exp, int)):
        return False
    user = _token_user(payload)[0]
    if user is None or issued_before_password_change(
        user, payload.get("iat"), payload.get(ISSUED_US_CLAIM)
    ):
        return False  # refused for the password change, whatever else it did
    session = get_session()
    expiresat = datetime.fromtimestamp(exp, UTC).replace(tzinfo=None)
    with unit_of_work(session, request_actor()):
        ended = end_reused_sign_in(session, jti, sid, expiresat)
    if ended:
        current_app.logger.warning(
            "A rotated refresh token of user %s came back; its sign-in %s is ended.",
            payload.get("sub"),
            sid,
        )
    return ended


def _user_unavailable(_header: dict[str, Any], _payload: dict[str, Any]) -> FlaskResponse:
    return unauthorized(
        "invalid_token", "The account behind this token is disabled or no longer exists."
    )


def _claims_refused(_header: dict[str, Any], _payload: dict[str, Any]) -> FlaskResponse:
    return unauthorized(
        "invalid_token",
        "The sign-in token's claims were refused (a token must expire: it needs exp); "
        "sign in again.",
    )


def _needs_fresh(_header: dict[str, Any], _payload: dict[str, Any]) -> FlaskResponse:
    return unauthorized("fresh_token_required", "Sign in again with your password for this.")


def _csrf_failed(error: CSRFError) -> FlaskResponse:
    cookie = current_app.config["JWT_ACCESS_CSRF_COOKIE_NAME"]
    header = current_app.config["JWT_ACCESS_CSRF_HEADER_NAME"]
    return error_response(
        403,
        "csrf_failed",
        f"The CSRF check failed ({error}): a write authenticated by cookie must send the "
        f"value of the {cookie} cookie in the {header} header.",
    )


def init_app(app: Flask) -> JWTManager:
    jwt = JWTManager(app)
    jwt.token_in_blocklist_loader(_is_revoked)
    jwt.user_lookup_loader(_lookup_user)
    jwt.additional_claims_loader(_default_claims)
    jwt.expired_token_loader(_expired)
    jwt.invalid_token_loader(_invalid)
    jwt.unauthorized_loader(_missing)
    jwt.revoked_token_loader(_revoked)
    jwt.user_lookup_error_loader(_user_unavailable)
    jwt.token_verification_loader(_verify_claims)
    jwt.token_verification_failed_loader(_claims_refused)
    jwt.needs_fresh_token_loader(_needs_fresh)
    # JWTManager sends CSRF failures to the "missing token" callback (401);
    # a failed CSRF check is a refusal of a known caller: 403.
    app.register_error_handler(CSRFError, _csrf_failed)
    app.before_request(resolve_identity)
    return jwt
