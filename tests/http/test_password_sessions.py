"""A password change ends the user's other sign-ins: JWTs issued before it are
refused, the caller of /api/auth/password goes on with fresh tokens, and API
tokens stay valid."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from shopdb.models import AuditLog, User
from shopdb.services import users
from shopdb.services.authentication import issued_before_password_change
from tests.http.auth_support import (
    NEW_PASSWORD,
    PASSWORD,
    bearer,
    csrf,
    database,
    error_code,
    get_user,
    login,
    make_user,
)

pytestmark = pytest.mark.database


def tokens(response) -> tuple[str, str]:
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    return data["accesstoken"], data["refreshtoken"]


def assert_works(app, access: str, refresh: str) -> None:
    assert app.test_client().get("/api/auth/me", headers=bearer(access)).status_code == 200
    refreshed = app.test_client().post("/api/auth/refresh", headers=bearer(refresh))
    assert refreshed.status_code == 200, refreshed.get_json()


def assert_revoked(app, access: str, refresh: str) -> None:
    me = app.test_client().get("/api/auth/me", headers=bearer(access))
    assert me.status_code == 401
    assert error_code(me) == "token_revoked"
    assert me.headers["WWW-Authenticate"] == 'Bearer realm="ShopDB", error="token_revoked"'
    refreshed = app.test_client().post("/api/auth/refresh", headers=bearer(refresh))
    assert refreshed.status_code == 401
    assert error_code(refreshed) == "token_revoked"
    # Even where anonymous callers may read, a stale token is a 401.
    assert app.test_client().get("/api/assets", headers=bearer(access)).status_code == 401


def change_own_password(app, access: str):
    return app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers=bearer(access),
    )


def audit_texts(app) -> list[str]:
    with database(app) as session:
        entries = session.scalars(select(AuditLog).order_by(AuditLog.auditlogid))
        return [
            json.dumps({c.key: str(getattr(e, c.key)) for c in AuditLog.__table__.columns})
            for e in entries
        ]


# Changing one's own password ----------------------------------------------------


def test_own_password_change_ends_other_sign_ins_and_keeps_the_caller_signed_in(app):
    userid = make_user(app, "alice")
    assert get_user(app, userid).passwordchangedat is None  # creation leaves it empty
    mine = tokens(login(app.test_client()))
    stolen = tokens(login(app.test_client()))
    assert_works(app, *stolen)

    response = change_own_password(app, mine[0])
    fresh = tokens(response)
    assert response.get_json()["data"]["passwordchanged"] is True
    assert response.headers["Cache-Control"] == "no-store"
    assert get_user(app, userid).passwordchangedat is not None

    assert_revoked(app, *stolen)
    assert_revoked(app, *mine)  # the tokens that made the change are replaced too
    assert_works(app, *fresh)
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 200


def test_fresh_tokens_belong_to_the_caller_s_sign_in_and_logout_ends_them(app):
    make_user(app, "alice")
    access, _ = tokens(login(app.test_client()))
    fresh_access, fresh_refresh = tokens(change_own_password(app, access))
    signedout = app.test_client().post("/api/auth/logout", headers=bearer(fresh_access))
    assert signedout.status_code == 200
    assert_revoked(app, fresh_access, fresh_refresh)


def test_a_cookie_caller_gets_fresh_cookies_and_stays_signed_in(app):
    make_user(app, "alice")
    browser = app.test_client()
    login(browser)
    other = app.test_client()
    login(other)

    response = browser.post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers=csrf(browser),
    )
    fresh_access, _ = tokens(response)
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("shopdb_access", "shopdb_refresh", "shopdb_csrf_access", "shopdb_csrf_refresh"):
        assert any(cookie.startswith(f"{name}=") for cookie in cookies), name
    assert browser.get_cookie("shopdb_access").value == fresh_access

    assert browser.get("/api/auth/me").status_code == 200
    refreshed = browser.post("/api/auth/refresh", headers=csrf(browser, "shopdb_csrf_refresh"))
    assert refreshed.status_code == 200
    refused = other.get("/api/auth/me")
    assert refused.status_code == 401
    assert error_code(refused) == "token_revoked"
    stale = other.post("/api/auth/refresh", headers=csrf(other, "shopdb_csrf_refresh"))
    assert stale.status_code == 401
    assert error_code(stale) == "token_revoked"


def test_a_refused_password_change_ends_nothing(app):
    userid = make_user(app, "alice")
    access, refresh = tokens(login(app.test_client()))
    response = app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": "not the password", "newpassword": NEW_PASSWORD},
        headers=bearer(access),
    )
    assert response.status_code == 400
    assert get_user(app, userid).passwordchangedat is None
    assert_works(app, access, refresh)


# An admin setting the password ---------------------------------------------------


def test_an_admin_setting_the_password_ends_the_user_s_sign_ins(app):
    make_user(app, "root", "admin")
    userid = make_user(app, "alice")
    admin = tokens(login(app.test_client(), "root"))
    alice = tokens(login(app.test_client()))

    response = app.test_client().patch(
        f"/api/users/{userid}", json={"password": NEW_PASSWORD}, headers=bearer(admin[0])
    )
    assert response.status_code == 200, response.get_json()
    assert "passwordhash" not in response.get_json()["data"]
    assert get_user(app, userid).passwordchangedat is not None

    assert_revoked(app, *alice)
    assert_works(app, *admin)  # only the user whose password changed is signed out
    assert_works(app, *tokens(login(app.test_client(), "alice", NEW_PASSWORD)))

    texts = audit_texts(app)
    assert any("passwordchangedat" in text and "passwordhash" in text for text in texts)
    stored = get_user(app, userid).passwordhash
    for text in texts:
        assert NEW_PASSWORD not in text
        assert PASSWORD not in text
        assert stored not in text


def test_an_admin_edit_without_a_password_ends_nothing(app):
    make_user(app, "root", "admin")
    userid = make_user(app, "alice")
    admin = tokens(login(app.test_client(), "root"))
    alice = tokens(login(app.test_client()))
    response = app.test_client().patch(
        f"/api/users/{userid}", json={"displayname": "Alice L."}, headers=bearer(admin[0])
    )
    assert response.status_code == 200, response.get_json()
    assert get_user(app, userid).passwordchangedat is None
    assert_works(app, *alice)


def test_passwordchangedat_cannot_be_written_through_the_api(app):
    make_user(app, "root", "admin")
    userid = make_user(app, "alice")
    admin, _ = tokens(login(app.test_client(), "root"))
    response = app.test_client().patch(
        f"/api/users/{userid}",
        json={"passwordchangedat": "2020-01-01T00:00:00"},
        headers=bearer(admin),
    )
    assert response.status_code == 400
    assert get_user(app, userid).passwordchangedat is None


# The command line and API tokens ---------------------------------------------------


def test_set_password_records_the_change_and_ends_sign_ins(app):
    userid = make_user(app, "alice")
    alice = tokens(login(app.test_client()))
    with database(app) as session:
        users.set_password(session, "alice", NEW_PASSWORD)
    assert get_user(app, userid).passwordchangedat is not None
    assert_revoked(app, *alice)


def test_api_tokens_survive_a_password_change(app):
    make_user(app, "alice")
    access, _ = tokens(login(app.test_client()))
    created = app.test_client().post(
        "/api/apitokens", json={"name": "inventory", "scope": "read"}, headers=bearer(access)
    )
    assert created.status_code == 201, created.get_json()
    apitoken = created.get_json()["data"]["token"]
    tokens(change_own_password(app, access))
    for headers in ({"X-API-Key": apitoken}, bearer(apitoken)):
        me = app.test_client().get("/api/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.get_json()["data"]["via"] == "apitoken"


def test_a_write_api_token_can_change_the_password_but_gets_no_jwts(app):
    make_user(app, "alice")
    access, _ = tokens(login(app.test_client()))
    created = app.test_client().post(
        "/api/apitokens", json={"name": "script", "scope": "write"}, headers=bearer(access)
    )
    apitoken = created.get_json()["data"]["token"]
    response = app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers={"X-API-Key": apitoken},
    )
    assert response.status_code == 200
    assert response.get_json()["data"] == {"passwordchanged": True}
    assert app.test_client().get("/api/auth/me", headers={"X-API-Key": apitoken}).status_code == 200


# The rule on seconds ------------------------------------------------------------------


def test_a_token_from_the_second_of_the_change_does_not_survive_it():
    changedat = datetime(2026, 11, 27, 12, 0, 5, 900_000)
    user = User(passwordchangedat=changedat)
    second = int((datetime(2026, 11, 27, 12, 0, 5) - datetime(1970, 1, 1)).total_seconds())
    exact = second * 1_000_000 + 900_000
    # With the microsecond claim: earlier in the same second is older.
    assert issued_before_password_change(user, second, exact - 1)
    assert issued_before_password_change(user, second, exact)
    assert not issued_before_password_change(user, second, exact + 1)
    # Whole seconds only: the change's own second cannot prove it is newer.
    assert issued_before_password_change(user, second - 1)
    assert issued_before_password_change(user, second)
    assert not issued_before_password_change(user, second + 1)
    assert issued_before_password_change(user, None)  # no iat: cannot prove it is newer
    assert not issued_before_password_change(User(passwordchangedat=None), second - 100)


def test_a_sign_in_just_before_the_change_ends_with_it(app):
    """No wait between sign-in and change: the same second, most of the time."""
    make_user(app, "alice")
    mine = tokens(login(app.test_client()))
    other = tokens(login(app.test_client()))
    fresh = tokens(change_own_password(app, mine[0]))
    assert_revoked(app, *other)
    assert_works(app, *fresh)


def test_a_user_name_with_a_nul_is_just_a_failed_sign_in(app):
    # PostgreSQL refuses NUL in a query; such a name cannot exist anyway.
    make_user(app, "alice")
    response = login(app.test_client(), "ali\x00ce")
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
