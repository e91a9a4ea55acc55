"""The officers' console at /admin: sign in with a one-time code, run ballots, watch them."""
