"""Security headers on every response, sign-in rate limits, and the settings
behind tokens, cookies and limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopdb.config import load_config
from shopdb.database import get_database
from shopdb.errors import ConfigError
from shopdb.http.headers import CONTENT_SECURITY_POLICY
from shopdb.testing.databases import delete_all_rows
from tests.http.auth_support import (
    NEW_PASSWORD,
    bearer,
    error_code,
    login,
    make_user,
)

# Security headers ------------------------------------------------------------


def test_security_headers_on_every_kind_of_response(make_app, database_url):
    app = make_app(database_url, SHOPDB_COOKIE_SECURE="true")
    client = app.test_client()
    responses = [
        client.get("/api/health"),
        client.get("/api/nosuchthing"),
        client.get("/api/health", headers=bearer("broken")),
    ]
    assert [response.status_code for response in responses] == [200, 404, 401]
    for response in responses:
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_content_security_policy_allows_only_local_assets():
    directives = dict(directive.split(" ", 1) for directive in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"  # no inline code, no eval
    assert directives["connect-src"] == "'self'"


def test_no_strict_transport_security_without_secure_cookies(make_app, database_url):
    app = make_app(database_url, SHOPDB_COOKIE_SECURE="false")
    response = app.test_client().get("/api/health")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


# Rate limits -----------------------------------------------------------------


@pytest.mark.database
def test_logins_are_limited_per_client_address(app):
    app.config["SHOPDB_LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user(app, "alice")
    client = app.test_client()
    for name in ("a-one", "a-two", "alice"):
        assert login(client, name, "wrong password!").status_code == 401
    # The right password does not help once the address is over the limit.
    refused = login(client)
    assert refused.status_code == 429
    assert error_code(refused) == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another address is not affected.
    assert login(client, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


@pytest.mark.database
def test_logins_are_limited_per_user_name_across_addresses(app):
    app.config["SHOPDB_LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user(app, "alice")
    client = app.test_client()
    for number in (1, 2):
        address = {"REMOTE_ADDR": f"10.0.1.{number}"}
        assert login(client, "Alice", "wrong!", environ_base=address).status_code == 401
    refused = login(client, "ALICE", environ_base={"REMOTE_ADDR": "10.0.1.3"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    # Other names from a fresh address still get through.
    other = login(client, "bob", "whatever!", environ_base={"REMOTE_ADDR": "10.0.1.4"})
    assert other.status_code == 401


@pytest.mark.database
def test_password_changes_are_limited_per_user(app):
    app.config["SHOPDB_LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user(app, "alice")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    client = app.test_client()
    guess = {"currentpassword": "guessing-it", "newpassword": NEW_PASSWORD}
    for _ in range(2):
        response = client.post("/api/auth/password", json=guess, headers=bearer(token))
        assert response.status_code == 400
    response = client.post("/api/auth/password", json=guess, headers=bearer(token))
    assert response.status_code == 429


@pytest.mark.database
def test_rate_limits_can_be_switched_off_for_an_app(make_app, migrated_database_url):
    relaxed = make_app(
        migrated_database_url, RATELIMIT_ENABLED=False, SHOPDB_LOGIN_RATE_LIMIT="1/hour"
    )
    try:
        client = relaxed.test_client()
        for _ in range(3):
            assert login(client, "nobody", "whatever!").status_code == 401
    finally:
        delete_all_rows(get_database(relaxed).engine)


# Settings --------------------------------------------------------------------


def settings(**environ: str) -> dict:
    return load_config({"SHOPDB_ENV": "testing", **environ})


def test_token_lifetimes_and_limits_have_defaults():
    config = settings()
    assert config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=7)
    assert config["SHOPDB_LOGIN_RATE_LIMIT"] == "10 per minute"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_token_lifetimes_and_limits_are_configurable():
    config = settings(
        SHOPDB_ACCESS_TOKEN_MINUTES="5",
        SHOPDB_REFRESH_TOKEN_DAYS="1",
        SHOPDB_LOGIN_RATE_LIMIT="5/minute;50/hour",
        SHOPDB_RATELIMIT_STORAGE_URL="redis://cache:6379",
    )
    assert config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=5)
    assert config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=1)
    assert config["SHOPDB_LOGIN_RATE_LIMIT"] == "5/minute;50/hour"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379"


@pytest.mark.parametrize("secure", [True, False])
def test_jwt_cookies_are_secure_exactly_when_session_cookies_are(secure):
    config = settings(SHOPDB_COOKIE_SECURE=str(secure).lower())
    assert config["JWT_COOKIE_SECURE"] is secure
    assert config["JWT_COOKIE_SAMESITE"] == "Lax"
    assert config["JWT_COOKIE_CSRF_PROTECT"] is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SHOPDB_LOGIN_RATE_LIMIT", "lots", "SHOPDB_LOGIN_RATE_LIMIT must be a rate"),
        ("SHOPDB_ACCESS_TOKEN_MINUTES", "0", "SHOPDB_ACCESS_TOKEN_MINUTES must be at least 1"),
        ("SHOPDB_REFRESH_TOKEN_DAYS", "week", "SHOPDB_REFRESH_TOKEN_DAYS must be a whole number"),
    ],
)
def test_bad_settings_are_named(name, value, message):
    with pytest.raises(ConfigError, match=message):
        settings(**{name: value})


def test_an_unusable_rate_limit_store_stops_the_app_without_showing_its_password(
    make_app, database_url
):
    with pytest.raises(ConfigError, match="SHOPDB_RATELIMIT_STORAGE_URL") as raised:
        make_app(database_url, SHOPDB_RATELIMIT_STORAGE_URL="bogus://user:s3cret@host")
    assert "s3cret" not in str(raised.value)
