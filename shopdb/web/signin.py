"""Signing in and out of the web UI, on the API's cookie tokens.

The sign-in page checks the credentials and audits the attempt with the
login endpoint's own `record_sign_in`, under the same rate limit, and hands
out the tokens with `issue_tokens`: the same cookies, claims and lifetimes
as `POST /api/auth/login`, on a redirect to the page the user wanted.
Sign-out ends the sign-in with `end_sign_in`, as `POST /api/auth/logout`.

Forms carry the access token's CSRF value as the field `csrf_token`; the
identity hook checks it before any view runs (double submit, as the header
is for scripts). The sign-in form has no token yet, so it carries a value of
its own, set as a SameSite cookie when the form is shown: another site
cannot sign a browser in to an account of its choosing.

Renewal: the access token lives minutes, the refresh token days. While a
page is open, shopdb.js exchanges the refresh token (`POST
/api/auth/refresh`, whose cookie only travels there) before the access token
runs out, and before a form is sent with an expired one. A page asked for
after the access token ran out (the refresh's CSRF cookie is still there)
answers with a short page whose script renews and reloads; if renewal fails
it goes to the sign-in page, which returns to the page wanted.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Any, cast

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_jwt_extended import get_jwt, unset_jwt_cookies
from flask_limiter.errors import RateLimitExceeded

from shopdb.database import get_session
from shopdb.http import ratelimit
from shopdb.http.auth import INVALID_CREDENTIALS, end_sign_in, issue_tokens, record_sign_in
from shopdb.http.identity import current_identity, current_user, request_actor
from shopdb.services.unitofwork import unit_of_work
from shopdb.version import __version__

SIGNIN_COOKIE = "shopdb_signin"
SIGNIN_FIELD = "signin_token"
# Pages that never wait for a renewal: signing in and out, static files.
NO_RENEWAL = frozenset({"web.signin", "web.signout", "web.static", "web.theme"})


def _claims() -> dict[str, Any]:
    """The verified JWT of this request, or {} (none, or not a cookie)."""
    if current_identity().via != "cookie":
        return {}
    try:
        return dict(get_jwt())
    except RuntimeError:
        return {}


def csrf_value() -> str:
    """The value forms send as `csrf_token`: the access token's CSRF claim."""
    return str(_claims().get("csrf", ""))


def session_expires() -> int:
    """When the access token runs out (seconds since the epoch), 0 for none."""
    return int(_claims().get("exp", 0))


def local_target(target: str | None) -> str:
    """`target` when it is a path on this site, else the start page: a
    sign-in link must not send anyone elsewhere."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(character) < 33 for character in target)
    ):
        return "/"
    if target.split("?", 1)[0] in ("/signin", "/signout"):
        return "/"
    return target


def here() -> str:
    """This request's path and query, to come back to after signing in."""
    return request.full_path.rstrip("?")


def renew_if_needed() -> ResponseReturnValue | None:
    """A page asked for without a valid access token while the refresh
    token may still be good: renew in the browser first."""
    if request.endpoint in NO_RENEWAL or request.method != "GET":
        return None
    if current_identity().is_authenticated:
        return None
    if not request.cookies.get(current_app.config["JWT_REFRESH_CSRF_COOKIE_NAME"]):
        return None
    if request.headers.get("HX-Request") == "true":
        response = current_app.make_response(("", 204))
        response.headers["HX-Refresh"] = "true"
        return response
    html = render_template("web/renew.html", target=local_target(here()), version=__version__)
    response = current_app.make_response((html, 200))
    response.headers["Cache-Control"] = "no-store"
    return response


def signin_page() -> ResponseReturnValue:
    target = local_target(request.values.get("next"))
    if request.method == "GET":
        return _form(target, "", 200, signedout=request.args.get("signedout") == "1")
    sent = request.form.get(SIGNIN_FIELD, "")
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not (sent and expected and hmac.compare_digest(sent, expected)):
        return _form(
            target,
            "The sign-in form had expired or came from another page; try again.",
            400,
        )
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return _form(target, "Enter your user name and password.", 400, username=username)
    try:
        ratelimit.check_sign_in()
    except RateLimitExceeded as error:
        message = f"Too many sign-in attempts ({error.description}); wait a minute and try again."
        return _form(target, message, 429, username=username)
    session = get_session()
    with unit_of_work(session, request_actor()):  # recorded, whatever the outcome
        outcome = record_sign_in(session, username, password)
    if not outcome.ok:
        return _form(target, INVALID_CREDENTIALS, 401, username=username)
    response = cast("Response", redirect(target, 303))
    issue_tokens(outcome.user, str(uuid.uuid4()), {}, cookies=True, reply=response)
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


def _form(
    target: str, problem: str, status: int, username: str = "", signedout: bool = False
) -> ResponseReturnValue:
    token = secrets.token_urlsafe(24)
    html = render_template(
        "web/signin.html",
        target=target,
        problem=problem,
        username=username,
        signintoken=token,
        signedout=signedout,
    )
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        path="/signin",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


def signout() -> ResponseReturnValue:
    """End the sign-in (when the form's CSRF value proved it is this
    browser's) and remove the cookies either way."""
    user = current_user()
    claims = _claims()
    if user is not None and claims:
        end_sign_in(user, claims)
    response = cast("Response", redirect(url_for("web.signin", signedout=1), 303))
    unset_jwt_cookies(response)
    return response


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/signin", "signin", signin_page, methods=["GET", "POST"])
    blueprint.add_url_rule("/signout", "signout", signout, methods=["POST"])
