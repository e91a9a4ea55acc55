"""Argon2id password hashes (argon2-cffi), in the PHC string form.

Hashes written by the earlier libsodium code (PyNaCl's ``argon2id.str``) are
the same PHC form and still verify; :func:`needs_rehash` tells the caller to
store a fresh hash with the current parameters after a good sign-in.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_HASHER = PasswordHasher()  # Argon2id, RFC 9106's second recommended parameters


def check_strength(password: str) -> None:
    """InputError unless the password is long enough (and not absurdly long)."""
    if len(password) < MIN_PASSWORD:
        raise InputError(N_("Use a password of at least {n} characters."), n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise InputError(N_("Use a password of at most {n} characters."), n=MAX_PASSWORD)


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``."""
    return _HASHER.hash(password)


def password_matches(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored Argon2id hash."""
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def decoy_hash() -> str:
    """A hash that matches nothing: unknown usernames still cost one verification."""
    return hash_password("decoy password that matches nothing")
