"""Audit and verifiability: hash chain, keys, receipts, commitments, bundle, verifier."""
