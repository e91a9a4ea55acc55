"""Counting rejected attempts to vote, for the live audit page.

The counters live in the database (``rejected_attempt``), not in memory: every
worker process and every restart then shows scrutineers the same, growing
numbers.  A row is a bare count per election and reason; it holds no token, no
time and no source.  A token that names no election counts under scope "".
"""

from __future__ import annotations

from sqlmodel import Session

from ballotbox.core.errors import BallotboxError
from ballotbox.core.tokens.format import parse
from ballotbox.services import Context
from ballotbox.services.token_lookup import find_token
from ballotbox.storage import repository


def count_rejection(
    session: Session,
    ctx: Context,
    error: BallotboxError,
    *,
    token_text: str | None = None,
    slug: str | None = None,
) -> None:
    """Count one rejected attempt (flushed, not committed).

    The attempt itself failed, so the caller rolls its changes back and commits
    this count on its own (the web adapter passes it to ``refuse`` as ``keep``).
    """
    scope = slug or _election_of(session, ctx, token_text)
    repository.count_rejection(session, scope, error.code[:32])
    session.flush()


def _election_of(session: Session, ctx: Context, token_text: str | None) -> str:
    """The slug of the election the typed token belongs to, or "" if it names none."""
    if not token_text:
        return ""
    try:
        election, _ = find_token(session, ctx, parse(token_text), lock=False)
    except BallotboxError:
        return ""
    return election.slug
