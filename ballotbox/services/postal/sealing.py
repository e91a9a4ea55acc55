"""Keyed entries are encrypted at rest, with a key that is not in the database.

The design says the database never holds an unspent token in plain text.  A
pending letter's entries hold exactly that, so they are sealed with
XSalsa20-Poly1305 (PyNaCl ``SecretBox``) under a key derived from the
election's Ed25519 signing seed, which lives in the key directory and is
never revealed (the token-hash key is revealed after the close, so it is not
used here).  Once a letter is resolved the sealed text is deleted anyway.
"""

from __future__ import annotations

import nacl.encoding
import nacl.hash
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from ballotbox.services.postal.matching import Keyed

PERSON = b"bb-postal-seal"  # domain separation: this key is used for nothing else


def entry_key(signing_seed: bytes) -> bytes:
    """The 32-byte sealing key derived from an election's signing seed."""
    return nacl.hash.blake2b(
        b"postal entries v1",
        key=signing_seed,
        person=PERSON.ljust(16, b"\0"),
        digest_size=SecretBox.KEY_SIZE,
        encoder=nacl.encoding.RawEncoder,
    )


def seal(key: bytes, keyed: Keyed, nonce: bytes) -> bytes:
    """The sealed form of an entry (nonce and ciphertext)."""
    return bytes(SecretBox(key).encrypt(keyed.to_bytes(), nonce))


def unseal(key: bytes, sealed: bytes) -> Keyed:
    """The entry inside ``sealed``; ValueError if it was tampered with or the key is wrong."""
    try:
        return Keyed.from_bytes(SecretBox(key).decrypt(sealed))
    except CryptoError:
        raise ValueError("a sealed postal entry does not open with this election's key") from None
