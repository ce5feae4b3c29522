"""Password sign-in rules, own password changes and revoked token ids."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shopdb.errors import InvalidInputError
from shopdb.models import RevokedToken, utcnow
from shopdb.services import authentication, users
from shopdb.services.passwords import verify_password

pytestmark = pytest.mark.database

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(seeded):
    user = users.create_user(seeded, "alice", PASSWORD, "viewer")
    seeded.commit()
    return user


def test_the_right_password_signs_in_whatever_the_case_of_the_name(seeded, alice):
    outcome = authentication.authenticate(seeded, " ALICE ", PASSWORD)
    assert outcome.ok and outcome.user is alice


@pytest.mark.parametrize(
    ("username", "password", "active", "reason"),
    [
        ("alice", "wrong", True, authentication.WRONG_PASSWORD),
        ("bob", PASSWORD, True, authentication.UNKNOWN_USER),
        ("", PASSWORD, True, authentication.UNKNOWN_USER),
        ("a" * 500, PASSWORD, True, authentication.UNKNOWN_USER),
        ("alice", PASSWORD, False, authentication.DISABLED_USER),
        ("alice", PASSWORD * 100, True, authentication.WRONG_PASSWORD),
    ],
)
def test_refusals_say_why_for_the_audit_trail(seeded, alice, username, password, active, reason):
    alice.isactive = active
    outcome = authentication.authenticate(seeded, username, password)
    assert not outcome.ok and outcome.reason == reason


def test_unknown_names_still_cost_one_password_check(seeded, monkeypatch):
    checked = []
    real = authentication.verify_password

    def counting(passwordhash, password):
        checked.append(passwordhash)
        return real(passwordhash, password)

    monkeypatch.setattr(authentication, "verify_password", counting)
    authentication.authenticate(seeded, "nobody", PASSWORD)
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(seeded, alice):
    with pytest.raises(InvalidInputError) as wrong:
        authentication.change_password(alice, "not it", "a perfectly fine passphrase")
    assert set(wrong.value.details) == {"currentpassword"}
    with pytest.raises(InvalidInputError) as weak:
        authentication.change_password(alice, PASSWORD, "aaaaaaaaaaaaaaaa")
    assert set(weak.value.details) == {"newpassword"}
    assert "fewer than 5 different characters" in str(weak.value)
    authentication.change_password(alice, PASSWORD, "a perfectly fine passphrase")
    assert verify_password(alice.passwordhash, "a perfectly fine passphrase")


def test_revoked_ids_are_found_with_the_user_in_one_query(seeded, alice):
    authentication.revoke(seeded, "session-1", utcnow() + timedelta(days=1))
    seeded.commit()
    user, revoked = authentication.load_token_user(seeded, alice.userid, ["jti-9", "session-1"])
    assert revoked and user == (alice.userid, "alice", alice.role.role, True, None)
    user, revoked = authentication.load_token_user(seeded, alice.userid, ["jti-9", "session-2"])
    assert not revoked and user is not None and user.username == "alice"
    assert authentication.load_token_user(seeded, 987654, ["session-1"]) == (None, False)


def test_revoking_twice_is_harmless_and_expired_entries_are_purged(seeded):
    authentication.revoke(seeded, "old", utcnow() - timedelta(minutes=1))
    seeded.commit()
    authentication.revoke(seeded, "new", utcnow() + timedelta(days=1))
    authentication.revoke(seeded, "new", utcnow() + timedelta(days=1))
    seeded.commit()
    assert list(seeded.scalars(select(RevokedToken.jti))) == ["new"]
    assert seeded.scalar(select(func.count()).select_from(RevokedToken)) == 1
