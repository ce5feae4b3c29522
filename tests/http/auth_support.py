"""Helpers for the authentication tests: an app with plain-HTTP cookies, users,
sign-in and token headers. Requests run in their own application contexts, as
in production, so nothing cached in `g` carries over between them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from shopdb.database import get_database, get_session
from shopdb.models import User
from shopdb.services import users
from shopdb.services.seeds import seed_reference_data
from shopdb.testing.databases import delete_all_rows

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different, longer passphrase"


def build_app(make_app: Callable[..., Flask], url: str, **extra: Any) -> Flask:
    # The test client speaks plain HTTP, which Secure cookies would not travel over.
    extra.setdefault("SHOPDB_COOKIE_SECURE", "false")
    app = make_app(url, **extra)
    with database(app) as session:
        seed_reference_data(session)
    return app


def seeded_app(make_app: Callable[..., Flask], url: str) -> Iterator[Flask]:
    """Body of each module's `app` fixture: a seeded app on the shared migrated
    database, emptied afterwards."""
    app = build_app(make_app, url)
    yield app
    delete_all_rows(get_database(app).engine)


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    """A session in its own application context, committed at the end."""
    with app.app_context():
        session = get_session()
        yield session
        session.commit()


def make_user(
    app: Flask,
    username: str = "alice",
    role: str = "editor",
    *,
    password: str = PASSWORD,
    active: bool = True,
) -> int:
    with database(app) as session:
        user = users.create_user(
            session, username, password, role, displayname=username.title(), email=None
        )
        user.isactive = active
        session.flush()
        return user.userid


def get_user(app: Flask, userid: int) -> User:
    with database(app) as session:
        return session.get(User, userid)


def login(
    client: FlaskClient, username: str = "alice", password: str = PASSWORD, **options: Any
) -> TestResponse:
    return client.post(
        "/api/auth/login", json={"username": username, "password": password}, **options
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf(client: FlaskClient, cookie: str = "shopdb_csrf_access") -> dict[str, str]:
    return {"X-CSRF-TOKEN": client.get_cookie(cookie).value}


def error_code(response: TestResponse) -> str:
    return response.get_json()["data"]["error"]["code"]


def crafted_access_token(
    app: Flask, userid: int, *, expires: timedelta, sid: str = "crafted", role: str = "editor"
) -> str:
    """An access token signed with the app's key, expiring when asked (past too)."""
    with app.app_context():
        return create_access_token(
            str(userid), additional_claims={"role": role, "sid": sid}, expires_delta=expires
        )
