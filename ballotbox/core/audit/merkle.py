"""The Merkle tree over the keyed hashes of every issued token.

The rules (also in audit/FORMAT.md), chosen so another language can rebuild
the root byte for byte:

- Leaves are the 32-byte keyed token hashes, sorted ascending as bytes and
  free of duplicates; so the root depends only on the *set* of tokens issued.
- A leaf's node is ``SHA-256(0x00 || hash)``; an inner node is
  ``SHA-256(0x01 || left || right)``.  The prefixes stop a leaf being passed
  off as an inner node.
- Each level pairs nodes left to right; a last, unpaired node is carried up
  to the next level unchanged (not duplicated, not re-hashed).
- The root of no leaves is ``SHA-256("")``.

Pure: standard library only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_node(token_hash: bytes) -> bytes:
    """The tree node for one keyed token hash."""
    return hashlib.sha256(LEAF_PREFIX + token_hash).digest()


def inner_node(left: bytes, right: bytes) -> bytes:
    """The parent of two nodes."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def sorted_leaves(token_hashes: Iterable[bytes]) -> list[bytes]:
    """The leaves in tree order; ValueError on a duplicate or a hash of the wrong size."""
    leaves = sorted(token_hashes)
    for i, leaf in enumerate(leaves):
        if len(leaf) != HASH_BYTES:
            raise ValueError(f"a token hash is {HASH_BYTES} bytes, not {len(leaf)}")
        if i and leaves[i - 1] == leaf:
            raise ValueError(f"token hash {leaf.hex()} appears twice")
    return leaves


def _next_level(level: list[bytes]) -> list[bytes]:
    """Pair the nodes of one level; an odd last node is carried up unchanged."""
    parents = [inner_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def root(token_hashes: Iterable[bytes]) -> bytes:
    """The Merkle root of a set of keyed token hashes (any input order)."""
    level = [leaf_node(leaf) for leaf in sorted_leaves(token_hashes)]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def inclusion_proof(token_hashes: Iterable[bytes], token_hash: bytes) -> list[tuple[str, bytes]]:
    """The siblings from leaf to root, each tagged ``"L"`` or ``"R"`` for its side."""
    level = [leaf_node(leaf) for leaf in sorted_leaves(token_hashes)]
    index = level.index(leaf_node(token_hash))  # ValueError when not a leaf
    proof: list[tuple[str, bytes]] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(("L" if sibling < index else "R", level[sibling]))
        level = _next_level(level)
        index //= 2
    return proof


def verify_inclusion(token_hash: bytes, proof: list[tuple[str, bytes]], expected: bytes) -> bool:
    """True when ``proof`` leads from the token hash's leaf to the root ``expected``."""
    node = leaf_node(token_hash)
    for side, sibling in proof:
        node = inner_node(sibling, node) if side == "L" else inner_node(node, sibling)
    return node == expected
