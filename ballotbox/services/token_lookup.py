"""Which election a ballot token belongs to, and its row.

A bare token names its election: it is looked up under every election's key
(tokens are unique across elections, checked when they are issued).  The rows
are locked in hash order by default, so two batches sharing tokens queue
instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from ballotbox.core.errors import BallotboxError, UnknownElectionError, UnknownTokenError
from ballotbox.core.tokens.format import Token, parse
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services.context import Context
from ballotbox.storage import repository
from ballotbox.storage.models import BallotToken, Election


@dataclass(frozen=True)
class TokenMatch:
    """A token as given, parsed, with its election and (locked) row."""

    token: Token
    election: Election
    row: BallotToken


Wanted = tuple[Token | str, str | None]
"""A token as typed or parsed, and the election slug it was given for (None: any)."""


def find_tokens(
    session: Session, ctx: Context, wanted: Sequence[Wanted], *, lock: bool = True
) -> list[TokenMatch | BallotboxError]:
    """For each (token, slug) in order: its match, or why there is none.

    A token that does not parse gets its format error; a slug that names no
    election, UnknownElectionError; a token issued for no election (or not for
    the one named), UnknownTokenError.
    """
    every = list(repository.elections(session))
    by_slug = {e.slug: e for e in every}
    keys = {e.slug: ctx.keys.token_key(e.slug) for e in every}
    found: list[TokenMatch | BallotboxError] = []
    candidates: dict[int, tuple[Token, dict[bytes, Election]]] = {}
    for i, (given, slug) in enumerate(wanted):
        try:
            token = given if isinstance(given, Token) else parse(given)
            if slug is not None and slug not in by_slug:
                raise UnknownElectionError(slug=slug)
        except BallotboxError as error:
            found.append(error)
            continue
        scope = [by_slug[slug]] if slug is not None else every
        candidates[i] = (token, {token_hash(token, keys[e.slug]): e for e in scope})
        found.append(UnknownTokenError())  # until its row turns up below
    hashes = sorted({h for _token, by_hash in candidates.values() for h in by_hash})
    rows = {
        row.token_hash: row for row in repository.tokens_by_hash(session, hashes, for_update=lock)
    }
    for i, (token, by_hash) in candidates.items():
        match = next((h for h in by_hash if h in rows), None)
        if match is not None:
            found[i] = TokenMatch(token, by_hash[match], rows[match])
    return found


def find_token(
    session: Session,
    ctx: Context,
    token: Token | str,
    election_slug: str | None = None,
    *,
    lock: bool = True,
) -> tuple[Election, BallotToken]:
    """The election and token row for ``token`` (locked by default), or the domain error."""
    (found,) = find_tokens(session, ctx, [(token, election_slug)], lock=lock)
    if isinstance(found, BallotboxError):
        raise found
    return found.election, found.row
