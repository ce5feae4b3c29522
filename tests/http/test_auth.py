"""Sign-in endpoints: login, cookies, refresh, logout, me, password change,
CSRF on cookie writes, and the audit entries they leave."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading

import pytest
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import select

from shopdb.database import get_database, sqlite_path
from shopdb.models import AuditLog, User
from shopdb.services.passwords import verify_password
from shopdb.testing.databases import delete_all_rows
from tests.http.auth_support import (
    NEW_PASSWORD,
    PASSWORD,
    bearer,
    build_app,
    csrf,
    database,
    error_code,
    get_user,
    login,
    make_user,
)

pytestmark = pytest.mark.database


def audit_entries(app, action=None):
    with database(app) as session:
        query = select(AuditLog).order_by(AuditLog.auditlogid)
        if action:
            query = query.where(AuditLog.action == action)
        return list(session.scalars(query))


def entry_text(entry: AuditLog) -> str:
    return json.dumps(
        {column.key: str(getattr(entry, column.key)) for column in AuditLog.__table__.columns}
    )


# Login -----------------------------------------------------------------------


def test_login_returns_tokens_and_the_user_and_records_the_sign_in(app):
    userid = make_user(app, "alice", "editor")
    response = login(app.test_client(), "ALICE")  # user names ignore case
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["accesstoken"] and data["refreshtoken"]
    assert data["user"] == {
        "userid": userid,
        "username": "alice",
        "role": "editor",
        "displayname": "Alice",
        "email": None,
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert get_user(app, userid).lastloginat is not None
    [entry] = audit_entries(app, "login")
    assert (entry.userid, entry.username, entry.entitytype, entry.entityid) == (
        userid,
        "alice",
        "users",
        str(userid),
    )


@pytest.mark.parametrize(
    ("username", "password", "active"),
    [
        ("alice", "wrong password here", True),
        ("nobody", PASSWORD, True),
        ("alice", PASSWORD, False),
    ],
    ids=["wrong-password", "unknown-user", "disabled-user"],
)
def test_failed_logins_all_look_the_same(app, username, password, active):
    make_user(app, "alice", active=active)
    response = login(app.test_client(), username, password)
    assert response.status_code == 401
    error = response.get_json()["data"]["error"]
    assert error["code"] == "invalid_credentials"
    assert error["message"] == (
        "Sign-in failed: the user name or password is wrong, or the account is disabled."
    )
    assert "shopdb_access" not in response.headers.get("Set-Cookie", "")


def test_failed_logins_are_audited_without_any_password(app, caplog):
    caplog.set_level(logging.DEBUG)
    userid = make_user(app, "alice")
    client = app.test_client()
    login(client, "alice", "guess-number-one")
    login(client, "somebody", "guess-number-two")
    known, unknown = audit_entries(app, "loginfailed")
    assert (known.entityid, known.username) == (str(userid), "alice")
    assert "wrong password" in known.message
    # An unknown name may be a password typed into the wrong field: not kept.
    assert unknown.entityid is None and unknown.username == "anonymous"
    assert "unknown user name" in unknown.message
    for entry in audit_entries(app):
        assert "guess-number" not in entry_text(entry)
        assert "somebody" not in entry_text(entry)
    assert "guess-number" not in caplog.text


def test_a_login_waits_for_another_writer_instead_of_failing(app):
    """On SQLite a sign-in that began by reading could not become a write
    while another request wrote (a 503 at once); it begins as a write and
    waits its turn. A 200 carries no Retry-After."""
    make_user(app, "dora", "editor")
    path = sqlite_path(get_database(app).url)
    if path is None:
        pytest.skip("the one-writer lock is SQLite's")
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, writer.execute, ["ROLLBACK"])
    release.start()
    try:
        response = login(app.test_client(), "dora")
    finally:
        release.join()
        writer.close()
    assert response.status_code == 200, response.get_json()
    assert "Retry-After" not in response.headers


def test_login_checks_its_fields(app):
    response = app.test_client().post("/api/auth/login", json={"username": "alice"})
    assert response.status_code == 400
    assert "password" in response.get_json()["data"]["error"]["details"]


def test_a_stale_cookie_does_not_stop_a_new_login(app):
    make_user(app, "alice")
    client = app.test_client()
    client.set_cookie("shopdb_access", "garbage.token.value")
    assert login(client).status_code == 200


# Cookies ---------------------------------------------------------------------


def set_cookies(response) -> dict[str, str]:
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0]
        cookies[name] = header
    return cookies


def test_login_sets_httponly_samesite_cookies_and_readable_csrf_cookies(app):
    make_user(app, "alice")
    cookies = set_cookies(login(app.test_client()))
    assert set(cookies) == {
        "shopdb_access",
        "shopdb_refresh",
        "shopdb_csrf_access",
        "shopdb_csrf_refresh",
    }
    for name in ("shopdb_access", "shopdb_refresh"):
        assert "HttpOnly" in cookies[name]
    for name in ("shopdb_csrf_access", "shopdb_csrf_refresh"):
        assert "HttpOnly" not in cookies[name]
    for header in cookies.values():
        assert "SameSite=Lax" in header
        assert "Secure" not in header  # this app has SHOPDB_COOKIE_SECURE=false
    # The refresh token only travels to the auth endpoints.
    assert "Path=/api/auth/" in cookies["shopdb_refresh"]
    assert "Max-Age=900" in cookies["shopdb_access"]


def test_cookies_are_secure_when_configured(make_app, migrated_database_url):
    secure = build_app(make_app, migrated_database_url, SHOPDB_COOKIE_SECURE="true")
    try:
        make_user(secure, "alice")
        response = login(secure.test_client(), base_url="https://localhost")
        cookies = set_cookies(response)
        assert cookies and all("Secure" in header for header in cookies.values())
    finally:
        delete_all_rows(get_database(secure).engine)


# Me --------------------------------------------------------------------------


def test_me_with_cookie_and_with_bearer(app):
    userid = make_user(app, "alice", "viewer")
    client = app.test_client()
    token = login(client).get_json()["data"]["accesstoken"]
    by_cookie = client.get("/api/auth/me").get_json()["data"]
    assert (by_cookie["userid"], by_cookie["role"], by_cookie["via"]) == (
        userid,
        "viewer",
        "cookie",
    )
    assert by_cookie["scopes"] == ["read", "write"]
    by_bearer = app.test_client().get("/api/auth/me", headers=bearer(token)).get_json()["data"]
    assert by_bearer["via"] == "bearer"


def test_me_refuses_anonymous_callers(app):
    response = app.test_client().get("/api/auth/me")
    assert response.status_code == 401
    assert error_code(response) == "authentication_required"


# CSRF ------------------------------------------------------------------------


def test_a_cookie_write_without_the_csrf_header_is_refused(app):
    make_user(app, "alice")
    client = app.test_client()
    login(client)
    response = client.post("/api/auth/logout")
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"
    wrong = client.post("/api/auth/logout", headers={"X-CSRF-TOKEN": "not-the-token"})
    assert wrong.status_code == 403
    assert error_code(wrong) == "csrf_failed"
    # Still signed in: the refused requests changed nothing.
    assert client.get("/api/auth/me").status_code == 200


def test_a_cookie_write_with_the_csrf_header_is_accepted(app):
    make_user(app, "alice")
    client = app.test_client()
    login(client)
    response = client.post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers=csrf(client),
    )
    assert response.status_code == 200, response.get_json()


def test_a_cookie_password_change_without_csrf_is_refused(app):
    make_user(app, "alice")
    client = app.test_client()
    login(client)
    response = client.post(
        "/api/auth/password", json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD}
    )
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"


def test_bearer_writes_need_no_csrf_header(app):
    make_user(app, "alice")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    response = app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert response.status_code == 200


# Refresh ---------------------------------------------------------------------


def test_refresh_by_cookie_sets_a_new_access_cookie(app):
    make_user(app, "alice")
    client = app.test_client()
    login(client)
    refused = client.post("/api/auth/refresh")
    assert refused.status_code == 403  # the refresh cookie needs its CSRF value too
    response = client.post("/api/auth/refresh", headers=csrf(client, "shopdb_csrf_refresh"))
    assert response.status_code == 200
    assert response.get_json()["data"]["accesstoken"]
    assert "shopdb_access" in set_cookies(response)


def test_refresh_by_bearer(app):
    make_user(app, "alice")
    tokens = login(app.test_client()).get_json()["data"]
    client = app.test_client()
    response = client.post("/api/auth/refresh", headers=bearer(tokens["refreshtoken"]))
    assert response.status_code == 200
    assert not set_cookies(response)  # scripts get the token in the body only
    access = response.get_json()["data"]["accesstoken"]
    assert client.get("/api/auth/me", headers=bearer(access)).status_code == 200


def test_an_access_token_cannot_refresh_and_a_refresh_token_cannot_read(app):
    make_user(app, "alice")
    tokens = login(app.test_client()).get_json()["data"]
    client = app.test_client()
    wrong_type = client.post("/api/auth/refresh", headers=bearer(tokens["accesstoken"]))
    assert wrong_type.status_code == 401
    assert error_code(wrong_type) == "invalid_token"
    reading = client.get("/api/auth/me", headers=bearer(tokens["refreshtoken"]))
    assert reading.status_code == 401


def test_refresh_refuses_a_disabled_user(app):
    userid = make_user(app, "alice")
    tokens = login(app.test_client()).get_json()["data"]
    with database(app) as session:
        session.get(User, userid).isactive = False
    response = app.test_client().post("/api/auth/refresh", headers=bearer(tokens["refreshtoken"]))
    assert response.status_code == 401


# Logout ----------------------------------------------------------------------


def test_logout_revokes_the_refresh_and_access_tokens_at_once(app):
    make_user(app, "alice")
    tokens = login(app.test_client()).get_json()["data"]
    client = app.test_client()
    # An access token issued later under the same sign-in is covered too.
    refreshed = client.post("/api/auth/refresh", headers=bearer(tokens["refreshtoken"]))
    second_access = refreshed.get_json()["data"]["accesstoken"]

    response = client.post("/api/auth/logout", headers=bearer(tokens["accesstoken"]))
    assert response.status_code == 200
    assert response.get_json()["data"] == {"signedout": True}

    for access in (tokens["accesstoken"], second_access):
        again = client.get("/api/auth/me", headers=bearer(access))
        assert again.status_code == 401
        assert error_code(again) == "token_revoked"
    refused = client.post("/api/auth/refresh", headers=bearer(tokens["refreshtoken"]))
    assert refused.status_code == 401
    assert error_code(refused) == "token_revoked"
    assert len(audit_entries(app, "logout")) == 1


def test_logout_by_cookie_unsets_the_cookies_and_ends_the_session(app):
    make_user(app, "alice")
    client = app.test_client()
    tokens = login(client).get_json()["data"]
    response = client.post("/api/auth/logout", headers=csrf(client))
    assert response.status_code == 200
    cleared = set_cookies(response)
    assert {"shopdb_access", "shopdb_refresh"} <= set(cleared)
    assert all(
        "Max-Age=0" in header or "Expires=Thu, 01 Jan 1970" in header for header in cleared.values()
    )
    assert client.get("/api/auth/me").status_code == 401  # no cookie left: anonymous
    refused = app.test_client().post("/api/auth/refresh", headers=bearer(tokens["refreshtoken"]))
    assert error_code(refused) == "token_revoked"


def test_logout_with_only_the_refresh_token(app):
    make_user(app, "alice")
    tokens = login(app.test_client()).get_json()["data"]
    client = app.test_client()
    response = client.post("/api/auth/logout", headers=bearer(tokens["refreshtoken"]))
    assert response.status_code == 200
    assert client.get("/api/auth/me", headers=bearer(tokens["accesstoken"])).status_code == 401


def test_logout_needs_a_token(app):
    response = app.test_client().post("/api/auth/logout")
    assert response.status_code == 401
    assert error_code(response) == "authentication_required"


# Password change -------------------------------------------------------------


def test_password_change_is_checked_applied_and_audited(app):
    userid = make_user(app, "alice")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    client = app.test_client()
    response = client.post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert data["passwordchanged"] is True
    assert set(data) == {"passwordchanged", "accesstoken", "refreshtoken"}
    assert verify_password(get_user(app, userid).passwordhash, NEW_PASSWORD)
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 200
    [entry] = audit_entries(app, "passwordchange")
    assert (entry.userid, entry.entityid) == (userid, str(userid))
    for entry in audit_entries(app):
        assert PASSWORD not in entry_text(entry)
        assert NEW_PASSWORD not in entry_text(entry)


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("not the password", NEW_PASSWORD, "currentpassword"),
        (PASSWORD, "short", "newpassword"),
        (PASSWORD, "password1234", "newpassword"),
        (PASSWORD, "alice-in-wonderland", "newpassword"),
        (PASSWORD, PASSWORD, "newpassword"),
    ],
    ids=["wrong-current", "too-short", "common", "contains-name", "unchanged"],
)
def test_password_change_refusals_name_the_field(app, current, new, field):
    userid = make_user(app, "alice")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    response = app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": current, "newpassword": new},
        headers=bearer(token),
    )
    assert response.status_code == 400
    error = response.get_json()["data"]["error"]
    assert error["code"] == "invalid_input"
    assert list(error["details"]) == [field]
    assert verify_password(get_user(app, userid).passwordhash, PASSWORD)
    assert not audit_entries(app, "passwordchange")


def test_password_change_needs_a_signed_in_caller_before_anything_else(app):
    response = app.test_client().post("/api/auth/password", json={})
    assert response.status_code == 401


# Rotation and reuse detection ----------------------------------------------------


def refresh_with(app, refreshtoken: str):
    return app.test_client().post("/api/auth/refresh", headers=bearer(refreshtoken))


def test_each_refresh_hands_out_a_new_refresh_token_and_retires_the_old(app):
    make_user(app, "alice")
    first = login(app.test_client()).get_json()["data"]["refreshtoken"]
    response = refresh_with(app, first)
    assert response.status_code == 200
    second = response.get_json()["data"]["refreshtoken"]
    assert second != first
    third = refresh_with(app, second)
    assert third.status_code == 200
    assert third.get_json()["data"]["refreshtoken"] not in (first, second)


def test_a_rotated_refresh_token_used_again_ends_the_whole_sign_in(app):
    make_user(app, "alice")
    signed_in = login(app.test_client()).get_json()["data"]
    stolen = signed_in["refreshtoken"]
    rightful = refresh_with(app, stolen).get_json()["data"]
    reused = refresh_with(app, stolen)
    assert reused.status_code == 401
    assert error_code(reused) == "token_reused"
    # Every token of that sign-in ends, the rightful client's newest included.
    client = app.test_client()
    assert client.get("/api/auth/me", headers=bearer(rightful["accesstoken"])).status_code == 401
    assert error_code(refresh_with(app, rightful["refreshtoken"])) == "token_revoked"
    # Other sign-ins of the same user go on.
    other = login(app.test_client()).get_json()["data"]
    assert client.get("/api/auth/me", headers=bearer(other["accesstoken"])).status_code == 200


def test_refresh_by_cookie_rotates_the_refresh_cookie(app):
    make_user(app, "alice")
    client = app.test_client()
    login(client)
    before = client.get_cookie("shopdb_refresh", path="/api/auth/").value
    response = client.post("/api/auth/refresh", headers=csrf(client, "shopdb_csrf_refresh"))
    assert response.status_code == 200
    assert {"shopdb_access", "shopdb_refresh"} <= set(set_cookies(response))
    assert client.get_cookie("shopdb_refresh", path="/api/auth/").value != before


def test_a_token_without_an_expiry_is_refused(app):
    userid = make_user(app, "alice")
    with app.app_context():
        forever = create_access_token(str(userid), expires_delta=False)
        forever_refresh = create_refresh_token(str(userid), expires_delta=False)
    response = app.test_client().get("/api/auth/me", headers=bearer(forever))
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"
    assert "exp" in response.get_json()["data"]["error"]["message"]
    assert refresh_with(app, forever_refresh).status_code == 401
