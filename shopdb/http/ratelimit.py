"""Rate limits on sign-in and password changes (Flask-Limiter).

Each app gets its own limiter, counting in the storage named by
SHOPDB_RATELIMIT_STORAGE_URL: `memory://` (the default) counts per server
process, which suits one process; several workers or servers need a shared
store such as `redis://host:6379`. Sign-in attempts are limited per client
address and, separately, per submitted user name, so neither many names from
one address nor one name from many addresses gets unlimited guesses. The limit
is read from the app config on every request, so tests can lower it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits.errors import ConfigurationError

from shopdb.errors import ConfigError
from shopdb.http.envelope import error_response

EXTENSION_KEY = "shopdb.ratelimit"
LIMIT_SETTING = "SHOPDB_LOGIN_RATE_LIMIT"


def client_address() -> str:
    # Behind a reverse proxy this is the proxy unless the app trusts its
    # forwarding headers (werkzeug's ProxyFix).
    return f"address:{request.remote_addr or 'unknown'}"


def submitted_username() -> str:
    body = request.get_json(silent=True)
    # The API takes JSON; the web UI's sign-in page posts a form.
    name = body.get("username") if isinstance(body, dict) else request.form.get("username")
    clean = name.strip().lower()[:100] if isinstance(name, str) else ""
    return f"username:{clean}"


def login_limit() -> str:
    return current_app.config[LIMIT_SETTING]


def get_limiter() -> Limiter:
    return current_app.extensions[EXTENSION_KEY]


class LimitStoreUnavailableError(Exception):
    """The shared counter store (Redis, say) cannot be reached: the attempt
    is refused with a 503 rather than let through uncounted."""


def count(key_func: Callable[[], str], scope: str) -> None:
    try:
        with get_limiter().limit(login_limit, key_func=key_func, scope=scope):
            pass
    except RateLimitExceeded:
        raise
    except Exception as error:
        raise LimitStoreUnavailableError(f"{type(error).__name__}: {error}") from error


def check_sign_in() -> None:
    """Count one sign-in attempt; raise RateLimitExceeded (429) over the limit."""
    count(client_address, "address")
    count(submitted_username, "username")


def check_password_change(userid: int) -> None:
    """Count one password change: a stolen session must not guess the current
    password at full speed."""
    count(lambda: f"user:{userid}", "user")


def store_unavailable(error: LimitStoreUnavailableError) -> Response:
    scheme = current_app.config["RATELIMIT_STORAGE_URI"].partition("://")[0]
    current_app.logger.error(
        "The rate-limit store (SHOPDB_RATELIMIT_STORAGE_URL, %s://...) cannot be used: %s",
        scheme,
        error,
    )
    response = error_response(
        503,
        "unavailable",
        "Sign-in attempts cannot be counted right now, so none is accepted; try again "
        "shortly. The server log says why.",
    )
    response.headers["Retry-After"] = "10"
    return response


def too_many_requests(error: RateLimitExceeded) -> Response:
    current = get_limiter().current_limit
    wait = 60
    if current:
        # The window's end, rounded up, and never more than the window itself.
        window = current.limit.get_expiry()
        wait = min(window, max(1, math.ceil(current.reset_at - time.time())))
    response = error_response(
        429,
        "too_many_requests",
        f"Too many attempts (the limit is {error.description}); try again in {wait} seconds.",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def init_app(app: Flask) -> Limiter:
    url = app.config["RATELIMIT_STORAGE_URI"]
    limiter = Limiter(key_func=client_address, key_prefix="shopdb")
    try:
        limiter.init_app(app)
    except ConfigurationError as error:
        scheme = url.partition("://")[0]
        # The URL may hold a password: name only its scheme.
        reason = str(error).replace(url, f"{scheme}://...")
        raise ConfigError(
            f"SHOPDB_RATELIMIT_STORAGE_URL cannot be used ({reason}); use memory:// or "
            "a storage that limits supports, such as redis://host:6379."
        ) from None
    if app.config["SHOPDB_ENV"] == "production" and url.startswith("memory://"):
        app.logger.warning(
            "Sign-in rate limits are counted per server process (memory://); with several "
            "workers set SHOPDB_RATELIMIT_STORAGE_URL to a shared store such as redis://."
        )
    app.extensions[EXTENSION_KEY] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.register_error_handler(LimitStoreUnavailableError, store_unavailable)
    return limiter
