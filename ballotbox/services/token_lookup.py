"""Which election a ballot token belongs to, and its row.

A bare token names its election: it is looked up under every election's key
(tokens are unique across elections, checked when they are issued).  The rows
are locked in hash order by default, so two batches sharing tokens queue
instead of deadlocking.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from ballotbox.core.errors import BallotboxError, UnknownElectionError, UnknownTokenError
from ballotbox.core.tokens.format import Token, parse
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services.context import Context
from ballotbox.storage import repository
from ballotbox.storage.keys import KeyMissingError
from ballotbox.storage.models import Election
from ballotbox.storage.repository import TokenRow


@dataclass(frozen=True)
class TokenMatch:
    """A token as given, parsed, with its election and (locked) row."""

    token: Token
    election: Election
    row: TokenRow


Wanted = tuple[Token | str, str | None]
"""A token as typed or parsed, and the election slug it was given for (None: any)."""


def find_tokens(
    session: Session, ctx: Context, wanted: Sequence[Wanted], *, lock: bool = True
) -> list[TokenMatch | BallotboxError]:
    """For each (token, slug) in order: its match, or why there is none.

    A token that does not parse gets its format error; a slug that names no
    election, UnknownElectionError; a token issued for no election (or not for
    the one named), UnknownTokenError.

    One query finds the rows with their elections (read fresh, every time).
    Which keys to hash under comes from the elections this database held last
    time; when that may be out of date (a token not found, a slug not known)
    the list is read again and the look-up repeated for what changed.
    """
    known = _slugs(session, fresh=False)
    try:
        found = _find(session, ctx, wanted, known, lock=lock)
    except KeyMissingError:  # an election no longer here: read the list again
        known = ()
        found = [UnknownTokenError() for _ in wanted]
    if any(isinstance(f, UnknownTokenError | UnknownElectionError) for f in found):
        now_known = _slugs(session, fresh=True)
        if now_known != known:
            again = [i for i, f in enumerate(found) if isinstance(f, BallotboxError)]
            redone = _find(session, ctx, [wanted[i] for i in again], now_known, lock=lock)
            for i, result in zip(again, redone, strict=True):
                found[i] = result
    return found


def _find(
    session: Session, ctx: Context, wanted: Sequence[Wanted], slugs: tuple[str, ...], *, lock: bool
) -> list[TokenMatch | BallotboxError]:
    keys: dict[str, bytes | None] = {}  # read only for the elections a token is looked for in

    def hashes_in(token: Token, scope: Sequence[str], named: bool) -> dict[bytes, str]:
        """The token's keyed hash in each election of ``scope``.  Looking in every election,
        one whose keys were destroyed after its challenge period (deploy/README.md) is passed
        over: no token can be found there any more.  A named election's missing keys raise."""
        by_hash = {}
        for s in scope:
            if s not in keys:
                keys[s] = ctx.keys.token_key(s) if named else ctx.keys.token_key_or_none(s)
            found_key = keys[s]
            if found_key is not None:
                by_hash[token_hash(token, found_key)] = s
        return by_hash

    found: list[TokenMatch | BallotboxError] = []
    candidates: dict[int, tuple[Token, dict[bytes, str]]] = {}
    for i, (given, slug) in enumerate(wanted):
        try:
            token = given if isinstance(given, Token) else parse(given)
            if slug is not None and slug not in slugs:
                raise UnknownElectionError(slug=slug)
        except BallotboxError as error:
            found.append(error)
            continue
        scope = [slug] if slug is not None else slugs
        candidates[i] = (token, hashes_in(token, scope, named=slug is not None))
        found.append(UnknownTokenError())  # until its row turns up below
    hashes = sorted({h for _token, by_hash in candidates.values() for h in by_hash})
    rows = {
        row.token_hash: (row, election)
        for row, election in repository.tokens_with_elections(session, hashes, for_update=lock)
    }
    for i, (token, by_hash) in candidates.items():
        for digest, slug in by_hash.items():
            row_election = rows.get(digest)
            if row_election is not None and row_election[1].slug == slug:
                found[i] = TokenMatch(token, row_election[1], row_election[0])
                break
    return found


# The slugs of each database's elections, as last read (see find_tokens): by database URL.
_known: dict[str, tuple[str, ...]] = {}
_known_lock = threading.Lock()


def _slugs(session: Session, *, fresh: bool) -> tuple[str, ...]:
    where = str(session.get_bind().engine.url)
    with _known_lock:
        cached = _known.get(where)
    if cached is not None and not fresh:
        return cached
    slugs = tuple(repository.election_slugs(session))
    with _known_lock:
        _known[where] = slugs
    return slugs


def find_token(
    session: Session,
    ctx: Context,
    token: Token | str,
    election_slug: str | None = None,
    *,
    lock: bool = True,
) -> tuple[Election, TokenRow]:
    """The election and token row for ``token`` (locked by default), or the domain error."""
    (found,) = find_tokens(session, ctx, [(token, election_slug)], lock=lock)
    if isinstance(found, BallotboxError):
        raise found
    return found.election, found.row
