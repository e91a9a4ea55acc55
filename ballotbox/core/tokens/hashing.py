"""Keyed token hashes: what the database stores instead of unspent tokens.

``BLAKE2b(token, key=election_key)``: the standard library's BLAKE2b, which
gives the very bytes PyNaCl's ``nacl.hash.blake2b`` gives (keyed, no salt or
personalisation), without its Python argument checks on every cast.  The key
lives outside the database; it is revealed after the close so anyone can
recompute the hashes of the published tokens and check them against the
pre-opening commitment.  Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import hashlib

import nacl.utils

from ballotbox.core.tokens.format import Token

KEY_BYTES = 32
DIGEST_BYTES = 32


def new_key() -> bytes:
    """A fresh random per-election token-hash key."""
    return nacl.utils.random(KEY_BYTES)


def token_hash(token: Token, key: bytes) -> bytes:
    """BLAKE2b-256 of the token's 20 digits, keyed with the election key."""
    return hashlib.blake2b(token.encode(), digest_size=DIGEST_BYTES, key=key).digest()


def token_hash_hex(token: Token, key: bytes) -> str:
    """The keyed hash as lowercase hex (how it is stored and published)."""
    return token_hash(token, key).hex()
