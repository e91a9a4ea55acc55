"""Audit primitives and the verifier (pure): hash chain, keys, receipts, commitments, bundle format, ballotbox-verify."""
