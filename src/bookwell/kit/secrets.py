"""Opaque secrets (refresh tokens, API keys): random, shown once, stored as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "", nbytes: int = 32) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def hash_secret(value: str) -> str:
    """SHA-256 is enough here: the secrets are long and random, not passwords."""
    return hashlib.sha256(value.encode()).hexdigest()
