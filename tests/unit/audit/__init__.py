"""Tests of the pure audit half: keys, Merkle tree, receipts, bundle, verifier."""
