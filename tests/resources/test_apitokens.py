"""API tokens through the resource API: shown once, usable at once, owned,
revocable."""

from __future__ import annotations

import pytest

from shopdb.models import ADMIN, EDITOR, VIEWER
from shopdb.testing.clients import make_callers

pytestmark = pytest.mark.database


@pytest.fixture
def callers(app):
    return make_callers(app)


def create(caller, **body):
    response = caller.post("/api/apitokens", json={"name": "script", "scope": "write", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def test_the_token_is_shown_once_and_works_at_once(app, callers):
    token = create(callers[EDITOR])
    assert token["token"].startswith(token["tokenprefix"])
    assert "tokenhash" not in token
    again = callers[EDITOR].get(f"/api/apitokens/{token['apitokenid']}").get_json()["data"]
    assert "token" not in again
    client = app.test_client()
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token['token']}"})
    assert me.status_code == 200
    assert me.get_json()["data"]["username"] == "testeditor"
    created = client.post(
        "/api/vendors", json={"vendor": "Scripted"}, headers={"X-API-Key": token["token"]}
    )
    assert created.status_code == 201


def test_revoking_stops_the_token_at_once(app, callers):
    token = create(callers[EDITOR])
    headers = {"Authorization": f"Bearer {token['token']}"}
    client = app.test_client()
    assert client.get("/api/assets", headers=headers).status_code == 200
    assert callers[EDITOR].delete(f"/api/apitokens/{token['apitokenid']}").status_code == 204
    refused = client.get("/api/assets", headers=headers)
    assert refused.status_code == 401
    row = callers[EDITOR].get(f"/api/apitokens/{token['apitokenid']}").get_json()["data"]
    assert row["revokedat"] is not None


def test_a_read_token_cannot_write(app, callers):
    token = create(callers[ADMIN], scope="read")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/vendors", headers=headers).status_code == 200
    refused = client.post("/api/vendors", json={"vendor": "Nope"}, headers=headers)
    assert refused.status_code == 403


def test_people_see_and_manage_only_their_own_tokens(callers):
    mine = create(callers[VIEWER])
    theirs = create(callers[EDITOR])
    listing = callers[VIEWER].get("/api/apitokens").get_json()["data"]
    assert [row["apitokenid"] for row in listing] == [mine["apitokenid"]]
    assert callers[VIEWER].get(f"/api/apitokens/{theirs['apitokenid']}").status_code == 404
    assert callers[VIEWER].delete(f"/api/apitokens/{theirs['apitokenid']}").status_code == 404
    everyone = callers[ADMIN].get("/api/apitokens").get_json()["data"]
    assert {row["apitokenid"] for row in everyone} >= {mine["apitokenid"], theirs["apitokenid"]}


def test_only_admins_make_tokens_for_others(callers):
    viewer = callers[VIEWER].get("/api/auth/me").get_json()["data"]["userid"]
    refused = callers[EDITOR].post(
        "/api/apitokens", json={"name": "x", "scope": "read", "userid": viewer}
    )
    assert refused.status_code == 403
    made = create(callers[ADMIN], userid=viewer)
    assert made["userid"] == viewer


def test_a_token_cannot_mint_tokens(app, callers):
    token = create(callers[ADMIN])
    response = app.test_client().post(
        "/api/apitokens",
        json={"name": "child", "scope": "write"},
        headers={"Authorization": f"Bearer {token['token']}"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "scope": "read"}, "name"),
        ({"name": "x", "scope": "everything"}, "scope"),
        ({"name": "x", "scope": "read", "expiresat": "2001-01-01T00:00:00Z"}, "expiresat"),
        ({"name": "x"}, "scope"),
    ],
)
def test_bad_token_requests_name_the_field(callers, body, field):
    response = callers[EDITOR].post("/api/apitokens", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["data"]["error"]["details"]


def test_expiry_is_kept_in_utc(callers):
    token = create(callers[EDITOR], expiresat="2999-01-01T02:00:00+02:00")
    assert token["expiresat"] == "2999-01-01T00:00:00+00:00"


@pytest.mark.parametrize("body", [{}, {"name": "child"}, {"name": "child", "scope": "write"}])
def test_a_token_hears_403_before_any_complaint_about_the_body(app, callers, body):
    token = create(callers[ADMIN])
    response = app.test_client().post(
        "/api/apitokens", json=body, headers={"Authorization": f"Bearer {token['token']}"}
    )
    assert response.status_code == 403
    assert "token cannot" in response.get_json()["data"]["error"]["message"]


def test_the_write_path_makes_a_token_for_the_actor_it_is_handed(app, callers):
    """No request, no request globals: the actor handed to `save` says who
    asks, and the plaintext reaches `after_create` through the session."""
    from sqlalchemy import select

    from shopdb.database import get_session
    from shopdb.errors import PermissionDeniedError
    from shopdb.models import User
    from shopdb.services.access import Identity
    from shopdb.services.actor import Actor
    from shopdb.services.tokens import hash_token
    from shopdb.services.unitofwork import unit_of_work

    assert callers[EDITOR]  # made the test users
    resources = app.extensions["shopdb.resources"]
    with app.app_context():
        session = get_session()
        editor = session.scalars(select(User).where(User.username == "testeditor")).one()
        viewer = session.scalars(select(User).where(User.username == "testviewer")).one()
        actor = Actor(Identity(userid=editor.userid, username=editor.username, role=EDITOR))
        body = {"name": "nightly", "scope": "read"}
        with unit_of_work(session, actor):
            record = resources["apitokens"].save(session, body, actor=actor).record
            shown = resources["apitokens"].after_create(session, record)
        assert record.userid == editor.userid
        assert hash_token(shown["token"]) == record.tokenhash
        refused = {**body, "userid": viewer.userid}
        with (
            pytest.raises(PermissionDeniedError, match="Only an admin"),
            unit_of_work(session, actor),
        ):
            resources["apitokens"].save(session, refused, actor=actor)
