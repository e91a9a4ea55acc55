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


# Lifecycle events in the order an election goes through them; a ballot entry
# has kind "ballot".  audit/FORMAT.md gives the fields each one must carry.
EVENT_KINDS = (
    "created",
    "tokens_issued",
    "voided",
    "opened",
    "closed",
    "override",
    "restored",
    "counted",
    "published",
)
BALLOT_KIND = "ballot"


def document_hash(obj: Any) -> str:
    """SHA-256 of a JSON document's canonical bytes, as hex: how one file names another."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def ballot_payload(commitment: bytes) -> dict[str, Any]:
    """The log payload for an accepted ballot: only its blinded commitment."""
    return {"kind": BALLOT_KIND, "commitment": commitment.hex()}


def event_payload(kind: str, **fields: Any) -> dict[str, Any]:
    """The log payload for a lifecycle event (see audit/FORMAT.md for each kind's fields)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown lifecycle event {kind!r}")
    if "kind" in fields:
        raise ValueError("an event's fields cannot override its kind")
    return {"kind": kind, **fields}


def heads(payloads: list[dict[str, Any]], start: bytes = GENESIS) -> list[bytes]:
    """The hash of every entry of a log given its payloads in order from position 0."""
    hashes: list[bytes] = []
    previous = start
    for position, payload in enumerate(payloads):
        previous = link(previous, position, payload)
        hashes.append(previous)
    return hashes
