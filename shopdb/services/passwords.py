"""Password hashing (Argon2id) and the policy that refuses weak passwords."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MINIMUM_LENGTH = 12
MAXIMUM_LENGTH = 256
# A short list of passwords that pass the length rule yet appear in every
# breach corpus; the length rule catches the rest of the usual suspects.
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "1234567890123",
        "qwertyuiop12",
        "qwertyuiopasdf",
        "administrator",
        "changeme1234",
        "letmein12345",
        "welcome12345",
        "shopdbshopdb",
        "iloveyou1234",
        "trustno1trustno1",
    }
)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(passwordhash: str, password: str) -> bool:
    try:
        return _hasher.verify(passwordhash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that passes the policy, for first-run admin accounts."""
    return secrets.token_urlsafe(18)


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a password is too weak; an empty list means it is acceptable."""
    problems = []
    if len(password) < MINIMUM_LENGTH:
        problems.append(f"it is shorter than {MINIMUM_LENGTH} characters")
    if len(password) > MAXIMUM_LENGTH:
        problems.append(f"it is longer than {MAXIMUM_LENGTH} characters")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("it is one of the most common passwords")
    if len(set(password)) < 5:
        problems.append("it uses fewer than 5 different characters")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("it contains the user name")
    return problems
