"""Sign-in endpoints: login, refresh, logout, who am I, change password.

A sign-in issues two JWTs: a short-lived access token and a refresh token. The
browser gets them as HttpOnly cookies (Secure per SHOPDB_COOKIE_SECURE,
SameSite=Lax) plus readable CSRF cookies for the double-submit check on cookie
writes; the reply body carries them too, for scripts that send
`Authorization: Bearer`. Both tokens carry the id of their sign-in session
(`sid`); logout revokes the session, which ends the refresh token and every
access token issued under it at once. A refresh token is exchanged once for a
new pair (rotation); one that comes back after that ends its sign-in. A
password change ends every sign-in made before it and hands the caller fresh
tokens. `issue_tokens` makes every pair.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, current_app
from flask.typing import ResponseReturnValue
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_request_location,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import NoAuthorizationError, WrongTokenError
from flask_smorest import Blueprint
from jwt.exceptions import ExpiredSignatureError
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from shopdb.database import get_session
from shopdb.errors import AuthenticationRequiredError
from shopdb.http import ratelimit
from shopdb.http.envelope import ApiError, data_response
from shopdb.http.identity import (
    JWT_SCOPES,
    challenge,
    current_identity,
    current_user,
    guarded,
    identity_for,
    request_actor,
    verifies_own_credentials,
)
from shopdb.models import User, utcnow
from shopdb.services import authentication
from shopdb.services.access import Access, Identity
from shopdb.services.audit import audit_log
from shopdb.services.unitofwork import unit_of_work

blueprint = Blueprint(
    "auth",
    __name__,
    url_prefix="/api/auth",
    description="Sign in and out, refresh the access token, who am I, change my password.",
)

INVALID_CREDENTIALS = (
    "Sign-in failed: the user name or password is wrong, or the account is disabled."
)


# Schemas ---------------------------------------------------------------------


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )


class PasswordChangeSchema(Schema):
    currentpassword = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )
    newpassword = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )


class UserSchema(Schema):
    userid = fields.Integer(required=True)
    username = fields.String(required=True)
    role = fields.String(required=True)
    displayname = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class LoginDataSchema(Schema):
    accesstoken = fields.String(required=True)
    refreshtoken = fields.String(required=True)
    user = fields.Nested(UserSchema, required=True)


class LoginEnvelopeSchema(Schema):
    data = fields.Nested(LoginDataSchema, required=True)


class RefreshDataSchema(Schema):
    accesstoken = fields.String(required=True)
    refreshtoken = fields.String(
        required=True,
        metadata={"description": "The next refresh token; the one sent is used up"},
    )


class RefreshEnvelopeSchema(Schema):
    data = fields.Nested(RefreshDataSchema, required=True)


class MeDataSchema(UserSchema):
    via = fields.String(required=True, metadata={"description": "cookie, bearer (JWT) or apitoken"})
    scopes = fields.List(fields.String(), required=True)


class MeEnvelopeSchema(Schema):
    data = fields.Nested(MeDataSchema, required=True)


class DoneDataSchema(Schema):
    signedout = fields.Boolean()
    passwordchanged = fields.Boolean()


class DoneEnvelopeSchema(Schema):
    data = fields.Nested(DoneDataSchema, required=True)


class PasswordChangedDataSchema(Schema):
    passwordchanged = fields.Boolean(required=True)
    accesstoken = fields.String(
        metadata={
            "description": "A fresh access token of the caller's sign-in (not for API tokens)"
        }
    )
    refreshtoken = fields.String(
        metadata={
            "description": "A fresh refresh token of the caller's sign-in (not for API tokens)"
        }
    )


class PasswordChangedEnvelopeSchema(Schema):
    data = fields.Nested(PasswordChangedDataSchema, required=True)


# Helpers ---------------------------------------------------------------------


def user_data(user: User) -> dict[str, Any]:
    return {
        "userid": user.userid,
        "username": user.username,
        "role": user.role.role,
        "displayname": user.displayname,
        "email": user.email,
    }


def _lifetime(setting: str) -> timedelta:
    return current_app.config[setting]


def _seconds(setting: str) -> int:
    return int(_lifetime(setting).total_seconds())


def _claims(user: User, sid: str) -> dict[str, str]:
    # The role is a hint for clients; the server reads the user's current role.
    return {"role": user.role.role, "sid": sid}


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def issue_tokens(
    user: User,
    sid: str,
    data: dict[str, Any],
    *,
    cookies: bool,
    reply: Response | None = None,
) -> Response:
    """The reply that hands out a new access and refresh token of sign-in
    `sid`: in the body (with `data`) for scripts, and as cookies with their
    CSRF values when the caller signs in by cookie. Sign-in, refresh and
    password change all issue tokens here, so they carry the same claims and
    cookie settings. `reply` replaces the body (the web UI's sign-in page
    answers with a redirect that carries the cookies)."""
    accesstoken = create_access_token(str(user.userid), additional_claims=_claims(user, sid))
    refreshtoken = create_refresh_token(str(user.userid), additional_claims=_claims(user, sid))
    response = reply or data_response(
        {**data, "accesstoken": accesstoken, "refreshtoken": refreshtoken}
    )
    if cookies:
        set_access_cookies(response, accesstoken, max_age=_seconds("JWT_ACCESS_TOKEN_EXPIRES"))
        set_refresh_cookies(response, refreshtoken, max_age=_seconds("JWT_REFRESH_TOKEN_EXPIRES"))
    return _no_store(response)


# Endpoints -------------------------------------------------------------------


@blueprint.post("/login")
@verifies_own_credentials
@blueprint.arguments(LoginSchema)
@blueprint.response(200, LoginEnvelopeSchema)
def login(values: dict[str, str]) -> ResponseReturnValue:
    """Sign in with a user name (any case) and password.

    Sets the token cookies and returns the tokens for scripts. Wrong
    credentials and disabled accounts get the same 401, whichever part was wrong.
    """
    ratelimit.check_sign_in()
    session = get_session()
    with unit_of_work(session, request_actor()):  # a sign-in is recorded, whatever its outcome
        outcome = record_sign_in(session, values["username"], values["password"])
    if not outcome.ok:
        raise ApiError(401, "invalid_credentials", INVALID_CREDENTIALS)
    user = outcome.user
    return issue_tokens(user, str(uuid.uuid4()), {"user": user_data(user)}, cookies=True)


def record_sign_in(session: Any, username: str, password: str) -> Any:
    """Check the credentials and audit the attempt (a success under the user
    signing in); returns the outcome. The caller holds the unit of work (the
    login endpoint and the web UI's sign-in page)."""
    outcome = authentication.authenticate(session, username, password)
    if not outcome.ok:
        # Unknown names are not recorded: people type passwords into that field.
        who = Identity(username=outcome.user.username) if outcome.user else Identity()
        audit_log(
            session,
            "loginfailed",
            "users",
            outcome.user.userid if outcome.user else None,
            message=f"Sign-in refused: {outcome.reason}.",
            identity=who,
        )
        return outcome
    user = outcome.user
    if user is None:  # an accepted sign-in always names its user
        raise RuntimeError("A sign-in was accepted without a user.")
    authentication.record_sign_in(user)
    audit_log(
        session,
        "login",
        "users",
        user.userid,
        identity=Identity(
            userid=user.userid, username=user.username, role=user.role.role, via="password"
        ),
    )
    return outcome


@blueprint.post("/refresh")
@verifies_own_credentials
@blueprint.response(200, RefreshEnvelopeSchema)
def refresh() -> ResponseReturnValue:
    """A new pair of tokens for a refresh token (cookie, or `Authorization: Bearer`).

    The refresh token is good for one exchange: the reply carries a new one
    (and new cookies when the request came with cookies). Sending a refresh
    token again after its exchange ends the whole sign-in (401
    `token_reused`): a copy of it may be in other hands. With the cookie, send
    the `shopdb_csrf_refresh` cookie's value in `X-CSRF-TOKEN`.
    """
    verify_jwt_in_request(refresh=True)
    user = _signed_in_user()
    claims = get_jwt()
    session = get_session()
    via = "cookie" if get_jwt_request_location() == "cookies" else "bearer"
    expiresat = datetime.fromtimestamp(claims["exp"], UTC).replace(tzinfo=None)
    try:
        with unit_of_work(session, request_actor().acting_as(identity_for(user, via, JWT_SCOPES))):
            rotated = authentication.rotate_refresh_token(session, claims["jti"], expiresat)
    except IntegrityError:
        # A concurrent refresh with the same token retired it first.
        rotated = False
    if not rotated:
        raise ApiError(
            401,
            "token_revoked",
            "This refresh token was exchanged already; use the newest one or sign in again.",
            headers=challenge("token_revoked"),
        )
    sid = claims.get("sid") or claims["jti"]
    return issue_tokens(user, sid, {}, cookies=get_jwt_request_location() == "cookies")


@blueprint.post("/logout")
@verifies_own_credentials
@blueprint.response(200, DoneEnvelopeSchema)
def logout() -> ResponseReturnValue:
    """Sign out: the refresh token and every access token of this sign-in stop
    working at once, and the cookies are removed.

    Authenticate with the access token (cookie with `X-CSRF-TOKEN`, or bearer);
    when it has expired, the refresh token (cookie or bearer) does as well.
    """
    try:
        verify_jwt_in_request()
    except (ExpiredSignatureError, WrongTokenError, NoAuthorizationError):
        verify_jwt_in_request(refresh=True)
    end_sign_in(_signed_in_user(), get_jwt())
    response = data_response({"signedout": True})
    unset_jwt_cookies(response)
    return _no_store(response)


def _signed_in_user() -> User:
    """The caller's user row; 401 when nobody is signed in."""
    user = current_user()
    if user is None:
        raise AuthenticationRequiredError("Sign in first: nobody is signed in on this request.")
    return user


def end_sign_in(user: User, claims: dict[str, Any]) -> None:
    """Revoke the sign-in session of the verified token `claims` and audit the
    logout: the API's logout and the web UI's sign-out page end it here."""
    via = "cookie" if get_jwt_request_location() == "cookies" else "bearer"
    session = get_session()
    # Revoking the session id covers every token issued under it; nothing
    # under it outlives a refresh token issued now.
    sessionid = claims.get("sid") or claims["jti"]
    try:
        with unit_of_work(session, request_actor().acting_as(identity_for(user, via, JWT_SCOPES))):
            expires = utcnow() + _lifetime("JWT_REFRESH_TOKEN_EXPIRES")
            authentication.revoke(session, sessionid, expires)
            audit_log(session, "logout", "users", user.userid)
    except IntegrityError:
        pass  # A concurrent logout of the same session revoked it first.


@blueprint.get("/me")
@guarded(Access.AUTHENTICATED, write=False)
@blueprint.response(200, MeEnvelopeSchema)
def me() -> ResponseReturnValue:
    """The caller: the signed-in user, or the owner of the API token used.

    Needs the read scope: a collector token, refused everywhere but collector
    endpoints, is refused here too (403)."""
    identity = current_identity()
    user = _signed_in_user()
    data = {**user_data(user), "via": identity.via, "scopes": sorted(identity.scopes)}
    return _no_store(data_response(data))


@blueprint.post("/password")
@guarded(Access.AUTHENTICATED, write=True)
@blueprint.arguments(PasswordChangeSchema)
@blueprint.response(200, PasswordChangedEnvelopeSchema)
def change_password(values: dict[str, str]) -> ResponseReturnValue:
    """Change your own password; the current one is required and the new one
    must pass the password policy (400 with field details otherwise).

    The change ends every sign-in of the user made before it: their access and
    refresh tokens are refused from now on (401 `token_revoked`), a stolen one
    included. The caller's own sign-in goes on with the fresh `accesstoken`
    and `refreshtoken` in the reply (and fresh cookies when the request came
    with cookies); the tokens sent with this request stop working. API tokens
    are separate credentials and stay valid; a caller using one gets no JWTs.
    """
    user = _signed_in_user()
    ratelimit.check_password_change(user.userid)
    session = get_session()
    with unit_of_work(session, request_actor()):
        authentication.change_password(user, values["currentpassword"], values["newpassword"])
        audit_log(session, "passwordchange", "users", user.userid, message="Password changed.")
    if current_identity().via == "apitoken":
        return _no_store(data_response({"passwordchanged": True}))
    # Issued after the change (to the microsecond), under the same sign-in
    # session, so that logout still ends them.
    claims = get_jwt()
    sid = claims.get("sid") or claims["jti"]
    return issue_tokens(
        user,
        sid,
        {"passwordchanged": True},
        cookies=get_jwt_request_location() == "cookies",
    )


def init_app(app: Flask, api: Any = None) -> None:
    """Register the endpoints, through the flask-smorest Api when there is one
    so that they appear in the OpenAPI document."""
    if api is not None:
        api.register_blueprint(blueprint)
    else:
        app.register_blueprint(blueprint)
