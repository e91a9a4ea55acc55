"""Audit primitives and the verifier (pure).

Hash chain, keys, receipts, commitments, the bundle format and ``ballotbox-verify``.
"""
