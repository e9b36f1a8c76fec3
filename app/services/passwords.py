"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_DEFAULT = PasswordHasher()
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only


def _hasher() -> PasswordHasher:
    return _FAST if current_app.config.get("ARGON2_FAST") else _DEFAULT


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches; never raises on a bad hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DECOYS: dict[int, str] = {}


def verify_decoy(password: str) -> bool:
    """Spend the time of a real check on a hash no password matches; returns False.

    Log-in answers for an unknown (or disabled) account take as long as for a real one, so
    the time of the answer does not tell which login names exist."""
    hasher = _hasher()
    decoy = _DECOYS.get(id(hasher))
    if decoy is None:
        decoy = _DECOYS[id(hasher)] = hasher.hash(secrets.token_hex(16))
    verify_password(decoy, password)
    return False


def check_strength(password: str) -> bool:
    """At least 8 characters with letters and digits."""
    return (
        len(password) >= 8
        and any(c.isdigit() for c in password)
        and any(c.isalpha() for c in password)
    )
