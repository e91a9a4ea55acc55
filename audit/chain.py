"""The hash chain every accepted ballot and lifecycle event is appended to.

Pure (standard library only) so the offline verifier uses exactly this code.
An entry's hash binds the previous head, its 0-based position and its payload
in canonical JSON; a ballot's payload holds only a blinded commitment, so the
published log does not reveal which token voted when.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = bytes(32)
DIGEST_BYTES = 32


def canonical_json(obj: Any) -> bytes:
    """The one byte encoding hashed and signed everywhere: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(previous: bytes, position: int, payload: dict[str, Any]) -> bytes:
    """Hash of the entry at ``position`` whose predecessor's hash is ``previous``."""
    h = hashlib.blake2b(digest_size=DIGEST_BYTES, person=b"ballotbox-chain")
    h.update(previous)
    h.update(position.to_bytes(8, "big"))
    h.update(canonical_json(payload))
    return h.digest()


def ballot_hash(token_digits: str, choices: list[int]) -> bytes:
    """The hash of what was recorded for a token: what a receipt and the published list agree on."""
    h = hashlib.blake2b(digest_size=DIGEST_BYTES, person=b"ballotbox-ballot")
    h.update(canonical_json({"token": token_digits, "choices": choices}))
    return h.digest()


def ballot_commitment(nonce: bytes, ballot_digest: bytes) -> bytes:
    """The blinded form of a ballot that goes into the log; only the receipt's nonce opens it."""
    h = hashlib.blake2b(digest_size=DIGEST_BYTES, person=b"ballotbox-blind")
    h.update(nonce)
    h.update(ballot_digest)
    return h.digest()
