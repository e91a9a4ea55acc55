"""Ballot tokens: the format (pure), card printing, member registers and issuance."""
