"""API tokens: shown once, stored as a digest, scoped, expiring, revocable,
last use recorded without a write per request."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shopdb.errors import InvalidInputError
from shopdb.models import ApiToken, User, utcnow
from shopdb.services import tokens, users

pytestmark = pytest.mark.database


@pytest.fixture
def owner(seeded) -> User:
    user = users.create_user(seeded, "scripter", "long enough passphrase", "editor")
    seeded.commit()
    return user


def test_the_plaintext_is_returned_once_and_only_its_digest_is_stored(seeded, owner):
    token, plaintext = tokens.create_token(seeded, owner, "  nightly export ", "read")
    assert plaintext.startswith("sdb_") and len(plaintext) > 40
    assert token.name == "nightly export"
    assert token.tokenhash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.tokenprefix == plaintext[:12]
    stored = seeded.execute(select(ApiToken.__table__)).mappings().one()
    assert plaintext not in {str(value) for value in stored.values()}


def test_two_tokens_never_share_a_plaintext(seeded, owner):
    first = tokens.create_token(seeded, owner, "one", "read")[1]
    second = tokens.create_token(seeded, owner, "two", "read")[1]
    assert first != second


def test_a_token_verifies_with_its_user_and_role_loaded(seeded, owner):
    token, plaintext = tokens.create_token(seeded, owner, "job", "write")
    seeded.commit()
    seeded.expunge_all()
    found = tokens.verify_token(seeded, plaintext)
    assert found is not None and found.apitokenid == token.apitokenid
    assert (found.user.username, found.user.role.role) == ("scripter", "editor")


@pytest.mark.parametrize("value", ["", "sdb_", "sdb_unknown", "not-a-token", "sdb_" + "x" * 500])
def test_unknown_values_do_not_verify(seeded, owner, value):
    tokens.create_token(seeded, owner, "job", "read")
    assert tokens.verify_token(seeded, value) is None


def test_revoked_tokens_do_not_verify_and_revoking_twice_keeps_the_first_time(seeded, owner):
    token, plaintext = tokens.create_token(seeded, owner, "job", "read")
    tokens.revoke_token(seeded, token)
    first = token.revokedat
    assert first is not None
    tokens.revoke_token(seeded, token)
    assert token.revokedat == first
    assert tokens.verify_token(seeded, plaintext) is None


def test_expired_tokens_do_not_verify(seeded, owner):
    token, plaintext = tokens.create_token(
        seeded, owner, "job", "read", expiresat=utcnow() + timedelta(hours=1)
    )
    assert tokens.verify_token(seeded, plaintext) is not None
    token.expiresat = utcnow() - timedelta(seconds=1)
    assert tokens.verify_token(seeded, plaintext) is None


def test_tokens_of_disabled_users_do_not_verify(seeded, owner):
    _, plaintext = tokens.create_token(seeded, owner, "job", "read")
    owner.isactive = False
    assert tokens.verify_token(seeded, plaintext) is None
    with pytest.raises(InvalidInputError) as refused:
        tokens.create_token(seeded, owner, "another", "read")
    assert "userid" in refused.value.details


def test_last_use_is_written_at_most_once_a_minute_and_leaves_modifiedat(seeded, owner):
    token, plaintext = tokens.create_token(seeded, owner, "job", "read")
    seeded.commit()

    def reloaded() -> tuple:
        # As stored: MySQL keeps whole seconds only.
        seeded.commit()
        seeded.expire_all()
        return token.lastusedat, token.modifiedat

    never_used, modified = reloaded()
    assert never_used is None
    tokens.verify_token(seeded, plaintext)
    first, still_modified = reloaded()
    assert first is not None and still_modified == modified
    tokens.verify_token(seeded, plaintext)
    assert reloaded()[0] == first
    # A minute later the next use is recorded again.
    seeded.execute(ApiToken.__table__.update().values(lastusedat=first - timedelta(minutes=2)))
    reloaded()
    tokens.verify_token(seeded, plaintext)
    assert reloaded()[0] > first - timedelta(minutes=2)


@pytest.mark.parametrize(
    ("name", "scope", "expiresat", "fields"),
    [
        ("", "read", None, {"name"}),
        ("x" * 101, "read", None, {"name"}),
        ("job", "admin", None, {"scope"}),
        ("job", "read", datetime(2000, 1, 1), {"expiresat"}),
        ("job", "read", "tomorrow", {"expiresat"}),
        ("", "everything", datetime(2000, 1, 1), {"name", "scope", "expiresat"}),
    ],
)
def test_invalid_fields_are_all_named_at_once(seeded, owner, name, scope, expiresat, fields):
    with pytest.raises(InvalidInputError) as refused:
        tokens.create_token(seeded, owner, name, scope, expiresat)
    assert set(refused.value.details) == fields
    assert seeded.scalar(select(ApiToken)) is None


def test_an_aware_expiry_is_stored_as_naive_utc(seeded, owner):
    moment = datetime.now(UTC) + timedelta(days=30)
    token, _ = tokens.create_token(seeded, owner, "job", "collector", moment)
    assert token.expiresat == moment.replace(tzinfo=None)


def test_scopes_grant_what_services_access_expects():
    assert tokens.scopes_for("read") == {"read"}
    assert tokens.scopes_for("write") == {"read", "write"}
    assert tokens.scopes_for("collector") == {"collector"}
    assert tokens.scopes_for("unknown") == frozenset()
