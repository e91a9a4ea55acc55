"""Counting rejected attempts to vote, for the live audit page, and charging them to their source.

The counters live in the database (``rejected_attempt``), not in memory: every
worker process and every restart then shows scrutineers the same, growing
numbers.  A row is a bare count per election and reason; it holds no token, no
time and no source.  A token that names no election, and an election name in
an address that is not an election, count under scope "": a junk name never
makes a row of its own.

Each count is one atomic upsert.  The adapters record it through
``refuse(request, keep=...)``: after the refused request's rollback, in a
transaction of its own, which for a POST holds SQLite's write lock from its
first statement, so concurrent refusals are all counted (a read-then-write
transaction there can fail to upgrade under load and lose its count).
"""

from __future__ import annotations

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
from ballotbox.services.guards import Guard
from ballotbox.services.token_lookup import find_token
from ballotbox.storage import repository

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
    """Count one rejected attempt and, with ``guard``, charge ``source`` (flushed, not committed).

    The attempt itself failed, so the caller rolls its changes back and commits
    this count on its own (the adapters pass it to ``refuse`` as ``keep``).
    Returns how long the answer should be held back (a flood of unknown
    tokens), else 0.
    """
    scope = _scope(session, ctx, error, token_text, slug)
    repository.count_rejection(session, scope, error.code[:32])
    delay = 0.0
    if guard is not None and source is not None and isinstance(error, TOKEN_FAILURES):
        unknown = isinstance(error, UnknownTokenError)
        delay = guard.failed(session, channel, source, unknown_token=unknown)
    session.flush()
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
