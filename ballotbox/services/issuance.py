"""Issuing and voiding tokens.  Only while the election is a draft.

Tokens are generated from the injected CSPRNG, checked unique against every
election's keyed hashes, shuffled, and only their keyed hashes are stored.
The plain tokens are returned once, to be printed; the database never holds them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

from sqlmodel import Session

from ballotbox.core.errors import LifecycleError, TokenUsedError, UnknownTokenError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import Token, generate
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services.context import Context
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import BallotToken, Election, ElectionState, TokenState

BATCH = 5_000


def _all_keys(session: Session, ctx: Context) -> list[bytes]:
    """The token keys of every election that still has them: a new token must be new to each
    (one whose keys were destroyed is passed over, as the look-ups pass it over)."""
    found = (ctx.keys.token_key_or_none(e.slug) for e in repository.elections(session))
    return [key for key in found if key is not None]


def _fresh_batch(
    session: Session, keys: list[bytes], size: int, randbelow: Callable[[int], int], taken: set[str]
) -> list[Token]:
    """``size`` new tokens that no election has issued and that are not in ``taken``."""
    batch: list[Token] = []
    while len(batch) < size:
        wanted = size - len(batch)
        candidates = {t.digits: t for t in (generate(randbelow) for _ in range(wanted))}
        for digits in list(candidates):
            if digits in taken:
                del candidates[digits]
        clashes: set[str] = set()
        for key in keys:
            hashed = {token_hash(t, key): d for d, t in candidates.items()}
            for row in repository.tokens_by_hash(session, list(hashed)):
                clashes.add(hashed[row.token_hash])
        for digits, token in candidates.items():
            if digits not in clashes:
                batch.append(token)
                taken.add(digits)
    return batch


def issue(
    session: Session,
    ctx: Context,
    election: Election,
    count: int,
    progress: Callable[[int], None] | None = None,
) -> list[Token]:
    """Issue ``count`` new tokens for a draft election; return them in print order."""
    if election.state != ElectionState.DRAFT:
        raise LifecycleError(
            N_("Tokens can only be issued before voting opens; “{slug}” is {state}."),
            slug=election.slug,
            state=election.state,
        )
    if count < 1:
        raise LifecycleError(N_("Issue at least one token."))
    assert election.id is not None
    keys = _all_keys(session, ctx)
    own_key = ctx.keys.token_key(election.slug)
    issued: list[Token] = []
    taken: set[str] = set()
    shuffler = random.SystemRandom()
    for start in range(0, count, BATCH):
        batch = _fresh_batch(session, keys, min(BATCH, count - start), ctx.randbelow, taken)
        rows = [
            BallotToken(token_hash=token_hash(t, own_key), election_id=election.id) for t in batch
        ]
        # Storage order must say nothing about print order or serial numbers.
        shuffler.shuffle(rows)
        session.add_all(rows)
        session.flush()
        issued.extend(batch)
        if progress:
            progress(len(batch))
    ledger.append(session, election.id, {"kind": "tokens_issued", "count": count})
    return issued


def void(session: Session, ctx: Context, election: Election, tokens: Iterable[Token]) -> int:
    """Void leftover or spoiled cards before opening; return how many were newly voided."""
    if election.state != ElectionState.DRAFT:
        raise LifecycleError(
            N_("Cards can only be voided before voting opens; “{slug}” is {state}."),
            slug=election.slug,
            state=election.state,
        )
    assert election.id is not None
    key = ctx.keys.token_key(election.slug)
    wanted = {token_hash(t, key): t for t in tokens}
    rows = {row.token_hash: row for row in repository.tokens_by_hash(session, list(wanted))}
    for hashed, token in wanted.items():
        if hashed not in rows:
            raise UnknownTokenError(
                N_("Token {token} was not issued for “{slug}”; nothing was voided."),
                token=token.grouped,
                slug=election.slug,
            )
        if rows[hashed].state == TokenState.VOTED:
            raise TokenUsedError()
    newly = 0
    for row in rows.values():
        if row.state != TokenState.VOID:
            row.state = TokenState.VOID
            session.add(row)
            newly += 1
    if newly:
        ledger.append(session, election.id, {"kind": "voided", "count": newly})
    return newly
