"""The token Merkle tree: order-independent, sensitive to every leaf, proofs that verify."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballotbox.core.audit import merkle

hashes = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40, unique=True)


@given(hashes, st.randoms(use_true_random=False))
def test_root_does_not_depend_on_the_order_tokens_are_given(leaves, rnd):
    shuffled = list(leaves)
    rnd.shuffle(shuffled)
    assert merkle.root(shuffled) == merkle.root(leaves)


@given(hashes, st.data())
def test_changing_any_single_leaf_changes_the_root(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    replacement = data.draw(st.binary(min_size=32, max_size=32).filter(lambda b: b not in leaves))
    changed = [*leaves[:index], replacement, *leaves[index + 1 :]]
    assert merkle.root(changed) != merkle.root(leaves)


@given(hashes, st.data())
def test_every_leaf_has_a_proof_leading_to_the_root(leaves, data):
    leaf = data.draw(st.sampled_from(leaves))
    proof = merkle.inclusion_proof(leaves, leaf)
    assert merkle.verify_inclusion(leaf, proof, merkle.root(leaves))
    assert not merkle.verify_inclusion(
        bytes(32) if leaf != bytes(32) else b"\1" * 32, proof, merkle.root(leaves)
    )


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_three_leaves_follow_the_documented_rules_byte_for_byte():
    a, b, c = b"\x03" * 32, b"\x01" * 32, b"\x02" * 32
    la, lb, lc = (sha(b"\x00" + x) for x in (a, b, c))
    # Sorted: b, c, a.  Pair (b, c); a is carried up unchanged; then pair.
    expected = sha(b"\x01" + sha(b"\x01" + lb + lc) + la)
    assert merkle.root([a, b, c]) == expected


def test_the_empty_tree_and_a_single_leaf():
    assert merkle.root([]) == sha(b"")
    assert merkle.root([b"\x07" * 32]) == sha(b"\x00" + b"\x07" * 32)


def test_a_token_hash_listed_twice_is_refused():
    with pytest.raises(ValueError, match="appears twice"):
        merkle.root([b"\x01" * 32, b"\x01" * 32])


def test_a_hash_of_the_wrong_size_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.root([b"\x01" * 31])
