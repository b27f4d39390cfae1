"""Password hashing (argon2 via pwdlib) and the strength rules."""

from __future__ import annotations

import re

import anyio
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from bookwell.errors import ErrorDetail

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwerty123",
        "qwertyuiop",
        "iloveyou1",
        "admin123",
        "welcome1",
        "letmein1",
        "abc12345",
        "passw0rd",
        "11111111",
        "00000000",
        "football1",
        "monkey123",
    }
)

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the account does not exist, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


# Argon2 takes ~100 ms of CPU by design: run it in a worker thread so the event loop
# keeps serving other requests meanwhile.


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        await anyio.to_thread.run_sync(_hasher.verify, password, _DUMMY_HASH)
        return False
    return await anyio.to_thread.run_sync(_hasher.verify, password, password_hash)


def password_problems(password: str, *, field: str, email: str | None = None) -> list[ErrorDetail]:
    """Why a new password is too weak; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    if not re.search(r"[^\W\d_]", password):
        problems.append("must contain a letter")
    if not re.search(r"\d", password):
        problems.append("must contain a digit")
    if password.lower() in _COMMON:
        problems.append("is too common")
    if email and password.lower() == email.lower():
        problems.append("must not be the email address")
    if not problems:
        return []
    return [ErrorDetail(field, "Password " + "; ".join(problems), "WEAK_PASSWORD")]
