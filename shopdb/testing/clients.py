"""HTTP callers of every kind, for tests that check who may do what."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from shopdb.database import get_session
from shopdb.models import ADMIN, EDITOR, VIEWER, User
from shopdb.services import users
from shopdb.services.passwords import hash_password
from shopdb.services.seeds import seed_reference_data

ROLES = (VIEWER, EDITOR, ADMIN)
PASSWORD = "test-passphrase-0123"


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Caller:
    """A test client that sends one caller's credentials with every request."""

    client: FlaskClient
    headers: dict[str, str]
    role: str | None

    def request(self, method: str, url: str, **options: Any):
        headers = {**self.headers, **options.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **options)

    def get(self, url: str, **options: Any):
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any):
        return self.request("POST", url, **options)

    def patch(self, url: str, **options: Any):
        return self.request("PATCH", url, **options)

    def delete(self, url: str, **options: Any):
        return self.request("DELETE", url, **options)


def make_callers(app: Flask) -> dict[str | None, Caller]:
    """An anonymous caller and one bearer-token caller per role."""
    callers: dict[str | None, Caller] = {None: Caller(app.test_client(), {}, None)}
    with app.app_context():
        session = get_session()
        seed_reference_data(session)
        for role in ROLES:
            user = users.find_user(session, f"test{role}")
            if user is None:
                # The hash is computed once per process: Argon2 is slow on purpose.
                user = User(
                    username=f"test{role}",
                    passwordhash=password_hash(),
                    role=users.get_role(session, role),
                )
                session.add(user)
                session.flush()
            token = create_access_token(identity=str(user.userid))
            callers[role] = Caller(app.test_client(), {"Authorization": f"Bearer {token}"}, role)
        session.commit()
    return callers
