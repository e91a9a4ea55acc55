"""Counting rejected attempts to vote, for the live audit page, and charging them to their source.

The counters live in the database (``rejected_attempt``), not in memory: every
worker process and every restart then shows scrutineers the same, growing
numbers.  A row is a bare count per election and reason; it holds no token, no
time and no source.  A token that names no election, and an election name in
an address that is not an election, count under scope "": a junk name never
makes a row of its own.

Each count is one atomic upsert in a transaction of its own that holds the
write lock from its first statement, so concurrent refusals on SQLite are
all counted (a read-then-write transaction there can fail to upgrade under
load and lose its count).
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from ballotbox.core.errors import (
    BallotboxError,
    RateLimitedError,
    TokenFormatError,
    TokenUsedError,
    TokenVoidError,
    UnknownTokenError,
)
from ballotbox.core.tokens.format import parse
from ballotbox.services import Context
from ballotbox.services.casting import find_token
from ballotbox.services.guards import Guard
from ballotbox.storage import repository
from ballotbox.storage.db import transaction

log = logging.getLogger("ballotbox.audit")

# What a source is charged for: a failed try at a token (a guess, or a typing error).
TOKEN_FAILURES = (TokenFormatError, UnknownTokenError, TokenUsedError, TokenVoidError)


def count_rejection(
    session: Session,
    ctx: Context,
    error: BallotboxError,
    *,
    token_text: str | None = None,
    slug: str | None = None,
    guard: Guard | None = None,
    channel: str = "web",
    source: str | None = None,
) -> float:
    """Count one rejected attempt (and, with ``guard``, charge ``source``); never fails.

    Only call this on an error path: whatever the session holds is rolled back
    first.  Returns how long the answer should be held back (a flood of
    unknown tokens), else 0.
    """
    session.rollback()
    delay = 0.0
    try:
        scope = _scope(session, ctx, error, token_text, slug)
        session.rollback()  # the look-up's read ends here; the count writes on its own
        with transaction(session.get_bind()) as writing:  # type: ignore[arg-type]
            repository.count_rejection(writing, scope, error.code[:32])
            if guard is not None and source is not None and isinstance(error, TOKEN_FAILURES):
                unknown = isinstance(error, UnknownTokenError)
                delay = guard.failed(writing, channel, source, unknown_token=unknown)
    except Exception:  # noqa: BLE001 - a counter must never turn a clear error into a 500
        session.rollback()
        log.warning("could not count a rejected attempt (%s)", error.code)
    return delay


def _scope(
    session: Session, ctx: Context, error: BallotboxError, token_text: str | None, slug: str | None
) -> str:
    """The slug of the election the attempt was for, or "" if it names none."""
    if slug is not None:
        return slug if repository.find_election(session, slug) is not None else ""
    if not token_text or isinstance(error, RateLimitedError):
        return ""  # a refused source gets no look-up at all
    try:
        election, _ = find_token(session, ctx, parse(token_text), lock=False)
    except BallotboxError:
        return ""
    return election.slug
