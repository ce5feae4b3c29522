"""Identity resolution: JWTs and API tokens become `g.identity`; bad credentials
get 401 on /api/ even where anonymous callers may read; the user is loaded
again on every request, in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from flask_jwt_extended import decode_token
from sqlalchemy import select

from shopdb.database import get_database
from shopdb.errors import PermissionDeniedError
from shopdb.http.identity import require, resolve_identity
from shopdb.models import ApiToken, Role, User
from shopdb.services import tokens
from shopdb.services.access import Access
from shopdb.testing.databases import count_queries
from tests.http.auth_support import (
    NEW_PASSWORD,
    PASSWORD,
    bearer,
    crafted_access_token,
    database,
    error_code,
    login,
    make_user,
)

pytestmark = pytest.mark.database


def statements(counter) -> list[str]:
    """What was sent, without SQLite's explicit BEGIN."""
    return [text for text in counter.statements if text.strip().upper() != "BEGIN"]


def new_token(app, userid: int, scope: str = "read", **options) -> str:
    with database(app) as session:
        _, plaintext = tokens.create_token(
            session, session.get(User, userid), "script", scope, **options
        )
    return plaintext


def set_active(app, userid: int, active: bool) -> None:
    with database(app) as session:
        session.get(User, userid).isactive = active


# JWTs ------------------------------------------------------------------------


def test_an_expired_access_token_is_refused_even_where_anonymous_may_read(app):
    userid = make_user(app, "alice")
    expired = crafted_access_token(app, userid, expires=timedelta(seconds=-5))
    client = app.test_client()
    for url in ("/api/auth/me", "/api/health"):
        response = client.get(url, headers=bearer(expired))
        assert response.status_code == 401, url
        assert error_code(response) == "token_expired"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_issued_tokens_live_as_long_as_configured(app):
    make_user(app, "alice")
    data = login(app.test_client()).get_json()["data"]
    with app.app_context():
        access, refresh = decode_token(data["accesstoken"]), decode_token(data["refreshtoken"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    assert access["sid"] == refresh["sid"]
    assert access["sub"] == str(data["user"]["userid"]) and access["role"] == "editor"


def test_a_forged_or_garbled_token_is_refused(app):
    userid = make_user(app, "alice")
    genuine = crafted_access_token(app, userid, expires=timedelta(minutes=5))
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    client = app.test_client()
    for token in (forged, "not-a-jwt"):
        response = client.get("/api/health", headers=bearer(token))
        assert response.status_code == 401
        assert error_code(response) == "invalid_token"


def test_a_disabled_user_is_refused_at_once(app):
    userid = make_user(app, "alice")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    client = app.test_client()
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    set_active(app, userid, False)
    response = client.get("/api/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_a_role_change_applies_to_existing_tokens_at_once(app):
    userid = make_user(app, "alice", "viewer")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    with database(app) as session:
        admin = session.scalar(select(Role).where(Role.role == "admin"))
        session.get(User, userid).roleid = admin.roleid
    me = app.test_client().get("/api/auth/me", headers=bearer(token)).get_json()["data"]
    assert me["role"] == "admin"


def test_a_jwt_request_costs_one_query(app):
    make_user(app, "alice")
    token = login(app.test_client()).get_json()["data"]["accesstoken"]
    client = app.test_client()
    with count_queries(get_database(app).engine) as counter:
        assert client.get("/api/health", headers=bearer(token)).status_code == 200
    assert len(statements(counter)) == 1, counter.statements
    # A view that needs the user's whole row (its name, e-mail) reads it once more.
    with count_queries(get_database(app).engine) as counter:
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    assert len(statements(counter)) == 2, counter.statements


def test_anonymous_requests_touch_no_database(app):
    with count_queries(get_database(app).engine) as counter:
        assert app.test_client().get("/api/health").status_code == 200
    assert statements(counter) == []


def test_bad_credentials_on_pages_outside_the_api_read_as_anonymous(app):
    userid = make_user(app, "alice")
    expired = crafted_access_token(app, userid, expires=timedelta(seconds=-5))
    client = app.test_client()
    client.set_cookie("shopdb_access", expired)
    assert client.get("/").status_code == 200
    assert client.get("/api/auth/me").status_code == 401


# API tokens ------------------------------------------------------------------


@pytest.mark.parametrize("header", ["X-API-Key", "Authorization"])
def test_an_api_token_identifies_its_user_with_its_scope(app, header):
    userid = make_user(app, "alice")
    plaintext = new_token(app, userid, "write")
    value = plaintext if header == "X-API-Key" else f"Bearer {plaintext}"
    response = app.test_client().get("/api/auth/me", headers={header: value})
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["userid"], data["via"], data["scopes"]) == (userid, "apitoken", ["read", "write"])


def test_a_revoked_api_token_stops_working_at_once(app):
    userid = make_user(app, "alice")
    plaintext = new_token(app, userid)
    client = app.test_client()
    assert client.get("/api/auth/me", headers={"X-API-Key": plaintext}).status_code == 200
    with database(app) as session:
        token = session.scalar(select(ApiToken))
        tokens.revoke_token(session, token)
    response = client.get("/api/health", headers={"X-API-Key": plaintext})
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_unknown_and_expired_api_tokens_and_disabled_owners_are_refused(app):
    userid = make_user(app, "alice")
    plaintext = new_token(app, userid)
    client = app.test_client()
    unknown = client.get("/api/health", headers={"X-API-Key": tokens.new_plaintext()})
    assert error_code(unknown) == "invalid_token"
    set_active(app, userid, False)
    assert client.get("/api/health", headers={"X-API-Key": plaintext}).status_code == 401


def test_a_key_that_is_not_a_shopdb_token_is_refused(app):
    response = app.test_client().get("/api/health", headers={"X-API-Key": "something-else"})
    assert response.status_code == 401
    assert error_code(response) == "invalid_api_key"


def test_a_read_token_cannot_write(app):
    userid = make_user(app, "alice")
    plaintext = new_token(app, userid, "read")
    response = app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers=bearer(plaintext),
    )
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"


def test_token_scopes_reach_the_access_rules(app):
    userid = make_user(app, "alice", "editor")
    read, write, collector = (new_token(app, userid, scope) for scope in tokens.SCOPES)
    with app.test_request_context(headers={"X-API-Key": read}):
        resolve_identity()
        assert g.identity.scopes == {"read"}
        require(Access.EDITOR, write=False)
        with pytest.raises(PermissionDeniedError, match="scope does not allow writing"):
            require(Access.EDITOR, write=True)
    with app.test_request_context(headers={"X-API-Key": write}):
        resolve_identity()
        require(Access.EDITOR, write=True)
    with app.test_request_context(headers={"X-API-Key": collector}):
        resolve_identity()
        assert g.identity.scopes == {"collector"}
        with pytest.raises(PermissionDeniedError, match="scope does not allow reading"):
            require(Access.VIEWER, write=False)


def test_a_write_token_may_change_the_password(app):
    userid = make_user(app, "alice")
    plaintext = new_token(app, userid, "write")
    response = app.test_client().post(
        "/api/auth/password",
        json={"currentpassword": PASSWORD, "newpassword": NEW_PASSWORD},
        headers={"X-API-Key": plaintext},
    )
    assert response.status_code == 200


def test_api_token_use_is_recorded_at_most_once_a_minute(app):
    userid = make_user(app, "alice")
    plaintext = new_token(app, userid)
    client = app.test_client()

    def last_used():
        with database(app) as session:
            return session.scalar(select(ApiToken.lastusedat))

    assert last_used() is None
    client.get("/api/auth/me", headers={"X-API-Key": plaintext})
    first = last_used()
    assert first is not None
    with count_queries(get_database(app).engine) as counter:
        client.get("/api/auth/me", headers={"X-API-Key": plaintext})
    assert last_used() == first
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)


def test_a_collector_token_cannot_ask_who_it_is(app):
    userid = make_user(app, "alice", "editor")
    collector = new_token(app, userid, "collector")
    response = app.test_client().get("/api/auth/me", headers={"X-API-Key": collector})
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert "alice" not in response.get_data(as_text=True)
    read = new_token(app, userid, "read")
    assert app.test_client().get("/api/auth/me", headers={"X-API-Key": read}).status_code == 200
