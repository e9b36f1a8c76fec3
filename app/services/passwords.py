"""Password hashing with Argon2id (argon2-cffi) and the password policy.

The policy: 8 to 128 characters with letters and digits, and not easy to guess as zxcvbn
(Dropbox's estimator, with its lists of common passwords, words, names and keyboard
patterns) judges it, counting the person's own name and numbers as known words."""

from __future__ import annotations

import ctypes
import os
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

# OWASP's Password Storage Cheat Sheet, argon2id: 19 MiB of memory, 2 iterations, 1 lane.
# argon2-cffi's own default (64 MiB, t=3, p=4) made a log-in cost 0.5-1.1 s of CPU and a
# web process under 16 concurrent log-ins 376-490 MB; hashes made with it (or any other
# parameters) are re-hashed with these at the next successful log-in (`needs_rehash`).
_DEFAULT = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only


# Each check holds its 19 MiB while it runs. A process runs at most this many at once (one
# per core: more at once finish no sooner), so its memory under a burst of log-ins stays
# bounded whatever its number of threads (see also `_few_memory_pools` below).
_AT_ONCE = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _few_memory_pools() -> None:
    """Let glibc keep as many memory pools (arenas) as checks may run at once.

    glibc gives threads their own pools, up to 8 per core, and keeps a freed 19 MiB check
    buffer in the pool of the thread that used it: one waitress process (8 threads) after
    16 concurrent log-ins held 8 x 19 MiB for good, 333 MB in all (benchmarks/login_cost.py).
    With one pool per check that may run at once, a buffer is kept per pool and reused by
    the next check there (returning every buffer to the system instead costs each check
    the zeroing of 19 MiB of fresh pages). Python's own small objects have their own pools.
    Other C libraries have no such setting, or none by this name: nothing is done there."""
    try:
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, max(1, os.cpu_count() or 1))
    except (OSError, AttributeError):
        pass


_few_memory_pools()


def _hasher() -> PasswordHasher:
    return _FAST if current_app.config.get("ARGON2_FAST") else _DEFAULT


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`."""
    hasher = _hasher()
    with _AT_ONCE:
        return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if `password` matches; never raises on a bad hash."""
    hasher = _hasher()
    try:
        with _AT_ONCE:
            return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True if `password_hash` was made with other parameters than today's (re-hash it)."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
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


MIN_LENGTH = 8
MAX_LENGTH = 128  # long enough for any pass phrase; bounds the work of hashing and judging
MIN_SCORE = 2  # zxcvbn's 0-4: 2 is "somewhat guessable", over 10^8 guesses
WEAK_PASSWORD = _l("Use at least 8 characters with both letters and digits.")
LONG_PASSWORD = _l("Use at most %(max)d characters.", max=MAX_LENGTH)
GUESSABLE_PASSWORD = _l(
    "This password is too easy to guess: it is a common password, or made of common words, "
    "names, dates, keyboard patterns or your own details. Add more unusual words or characters."
)


def password_problem(password: str, personal: tuple = ()):
    """What is wrong with `password` as a new password, or None.

    `personal`: the person's own name, numbers and e-mail, which make a password easy to
    guess for anyone who knows them."""
    password = password or ""
    if len(password) > MAX_LENGTH:
        return LONG_PASSWORD
    if (
        len(password) < MIN_LENGTH
        or not any(c.isdigit() for c in password)
        or not any(c.isalpha() for c in password)
    ):
        return WEAK_PASSWORD
    known = [str(p) for p in personal if p]
    from zxcvbn import zxcvbn  # its word lists (14 MB) only in processes that judge passwords

    if zxcvbn(password, user_inputs=known, max_length=MAX_LENGTH)["score"] < MIN_SCORE:
        return GUESSABLE_PASSWORD
    return None
