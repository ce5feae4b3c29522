"""Accounts: password policy, hashing, duplicates."""

from __future__ import annotations

import pytest

from shopdb.errors import ValidationError
from shopdb.services import users
from shopdb.services.passwords import (
    generate_password,
    hash_password,
    password_problems,
    verify_password,
)


def test_hashes_use_argon2id_and_verify():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong horse battery")
    assert not verify_password("not-a-hash", "anything")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "shorter than 12"),
        ("password1234", "most common"),
        ("aaaaaaaaaaaaaaaa", "fewer than 5 different"),
        ("xx-jsmith-2026-xx", "contains the user name"),
        ("x" * 300 + "abcdef", "longer than 256"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    assert any(reason in problem for problem in password_problems(password, "jsmith"))


def test_generated_passwords_pass_the_policy():
    assert all(password_problems(generate_password(), "admin") == [] for _ in range(20))


@pytest.mark.parametrize("name", ["", "a", "has space", "-leading", "x" * 101, "semi;colon"])
def test_bad_usernames_are_refused(name):
    with pytest.raises(ValidationError, match="is not valid"):
        users.normalise_username(name)


@pytest.mark.database
def test_usernames_are_unique_whatever_their_case(seeded):
    users.create_user(seeded, "JSmith", "a-long-passphrase!", "editor")
    seeded.commit()
    with pytest.raises(ValidationError, match="already exists"):
        users.create_user(seeded, "jsmith", "another-long-passphrase", "viewer")
    assert users.find_user(seeded, "JSMITH").username == "jsmith"


@pytest.mark.database
def test_unknown_roles_are_named(seeded):
    with pytest.raises(ValidationError, match=r"no role 'boss' \(known roles: admin, editor"):
        users.create_user(seeded, "someone", "a-long-passphrase!", "boss")


@pytest.mark.database
def test_disable_and_set_password(seeded):
    users.create_user(seeded, "operator", "a-long-passphrase!", "viewer")
    user = users.set_active(seeded, "operator", False)
    assert user.isactive is False
    users.set_password(seeded, "operator", "an-even-longer-passphrase")
    assert verify_password(user.passwordhash, "an-even-longer-passphrase")
    with pytest.raises(ValidationError, match="no user named 'ghost'"):
        users.set_password(seeded, "ghost", "an-even-longer-passphrase")
