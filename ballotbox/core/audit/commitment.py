"""The signed token commitment published when an election opens.

It fixes, before any vote: how many tokens were issued, the Merkle root of
their keyed hashes, which of them were voided, the tie-break seed and the
hash of the election definition.  After the close the token-hash key is
revealed, so anyone can check every counted token against it.
Pure: standard library and PyNaCl.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import nacl.signing

from ballotbox.core.audit import crypto, merkle
from ballotbox.core.audit.chain import document_hash

FORMAT = "ballotbox-commitment/1"
FIELDS = frozenset(
    {
        "format",
        "election",
        "definition_hash",
        "tokens_issued",
        "merkle_root",
        "void",
        "tie_break_seed",
        "time",
    }
)


def commitment_body(
    *,
    election: str,
    definition: dict[str, Any],
    token_hashes: Iterable[bytes],
    void: Iterable[bytes],
    tie_break_seed: str,
    time: str,
) -> dict[str, Any]:
    """The statement to sign; ValueError if a voided hash was never issued."""
    issued = merkle.sorted_leaves(token_hashes)
    voided = merkle.sorted_leaves(void)
    stray = set(voided) - set(issued)
    if stray:
        raise ValueError(f"{len(stray)} voided token hash(es) were never issued")
    return {
        "format": FORMAT,
        "election": election,
        "definition_hash": document_hash(definition),
        "tokens_issued": len(issued),
        "merkle_root": merkle.root(issued).hex(),
        "void": [h.hex() for h in voided],
        "tie_break_seed": tie_break_seed,
        "time": time,
    }


def make_commitment(
    key: nacl.signing.SigningKey,
    *,
    election: str,
    definition: dict[str, Any],
    token_hashes: Iterable[bytes],
    void: Iterable[bytes],
    tie_break_seed: str,
    time: str,
) -> dict[str, Any]:
    """The signed commitment envelope ``{"body", "signature"}`` as published at opening."""
    body = commitment_body(
        election=election,
        definition=definition,
        token_hashes=token_hashes,
        void=void,
        tie_break_seed=tie_break_seed,
        time=time,
    )
    return crypto.envelope(key, "commitment", body)


def commitment_problems(body: dict[str, Any]) -> list[str]:
    """What is malformed in a commitment body (empty when it is well formed)."""
    problems: list[str] = []
    if set(body) != FIELDS:
        problems.append(f"fields are {sorted(body)}, expected {sorted(FIELDS)}")
        return problems
    if body["format"] != FORMAT:
        problems.append(f"format is {body['format']!r}, expected {FORMAT!r}")
    if not isinstance(body["tokens_issued"], int) or body["tokens_issued"] < 0:
        problems.append("tokens_issued is not a non-negative integer")
    void = body["void"]
    if not isinstance(void, list) or not all(_is_hex32(h) for h in void):
        problems.append("void is not a list of 64-digit hex token hashes")
    elif void != sorted(set(void)):
        problems.append("void is not sorted ascending without duplicates")
    for name in ("merkle_root", "definition_hash"):
        if not _is_hex32(body[name]):
            problems.append(f"{name} is not 64 lowercase hex digits")
    for name in ("election", "tie_break_seed", "time"):
        if not isinstance(body[name], str):
            problems.append(f"{name} is not a string")
    return problems


def _is_hex32(value: Any) -> bool:
    """True for 64 lowercase hex digits."""
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )
