"""``cast()``: the one door every vote comes in by, whatever the channel.

In one transaction it finds the token's election, checks the election is
open, the channel enabled, the token unspent and the choices valid, stores
the ballot, marks the token spent and appends a blinded entry to the hash
chain.  Exactly once: the token row is locked (PostgreSQL) or the whole
database is (SQLite ``BEGIN IMMEDIATE``), and the ballot's primary key is the
token hash, so of concurrent attempts exactly one wins; every other one gets
:class:`TokenUsedError`.  The caller commits; only then is the receipt shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from audit.chain import ballot_commitment, ballot_hash
from audit.receipts import make_receipt
from ballotbox import ledger, repository
from ballotbox.choices import validate_choices
from ballotbox.errors import (
    ElectionNotOpenError,
    TokenUsedError,
    TokenVoidError,
    UnknownTokenError,
)
from ballotbox.i18n import N_
from ballotbox.models import Ballot, BallotToken, Election, ElectionState, TokenState
from ballotbox.services.context import Context
from ballotbox.services.elections import (
    apply_due_transitions,
    aware,
    definition_of,
    effective_state,
)
from tokens.format import Token, parse
from tokens.hashing import token_hash

CHANNELS = ("web", "sms", "phone", "postal")
NONCE_BYTES = 16


@dataclass(frozen=True)
class CastReceipt:
    """What an accepted ballot gives back: the signed receipt and a read-back."""

    election: str
    title: str
    channel: str
    choices: list[int]
    names: list[str]
    receipt: dict[str, Any]

    @property
    def code(self) -> str:
        """The short receipt code for SMS and phone."""
        return str(self.receipt["code"])


def find_token(
    session: Session,
    ctx: Context,
    token: Token,
    election_slug: str | None = None,
    *,
    lock: bool = True,
) -> tuple[Election, BallotToken]:
    """The election and token row for ``token`` (locked by default).

    A bare token names its election: it is looked up under every election's key.
    """
    if election_slug is not None:
        candidates = [repository.election_by_slug(session, election_slug)]
    else:
        candidates = list(repository.elections(session))
    by_hash = {token_hash(token, ctx.keys.token_key(e.slug)): e for e in candidates}
    rows = repository.tokens_by_hash(session, list(by_hash), for_update=lock)
    if not rows:
        raise UnknownTokenError()
    row = rows[0]
    return by_hash[row.token_hash], row


def check_open(election: Election, channel: str, now: datetime) -> None:
    """Raise unless ``election`` accepts votes at ``now`` through ``channel``."""
    state = effective_state(election, now)
    if state == ElectionState.DRAFT:
        raise ElectionNotOpenError(
            N_("Voting has not opened yet. It opens on {when}."), when=_when(election.opens_at)
        )
    if state != ElectionState.OPEN:
        raise ElectionNotOpenError(
            N_("Voting closed on {when}."), when=_when(election.closed_at or election.closes_at)
        )
    if channel not in definition_of(election).channels:
        raise ElectionNotOpenError(
            N_("This ballot does not take votes by {channel}."), channel=channel
        )


def check_unspent(row: BallotToken) -> None:
    """Raise unless the token can still vote."""
    if row.state == TokenState.VOID:
        raise TokenVoidError()
    if row.state == TokenState.VOTED:
        raise TokenUsedError()


def check_can_vote(
    session: Session,
    ctx: Context,
    token: Token,
    channel: str,
    election_slug: str | None = None,
) -> Election:
    """The token's election, if it could vote now; the same errors ``cast()`` would give."""
    election, row = find_token(session, ctx, token, election_slug, lock=False)
    check_open(election, channel, ctx.clock.now())
    check_unspent(row)
    return election


def _when(moment: Any) -> str:
    return aware(moment).strftime("%d %B %Y at %H:%M UTC")


def cast(
    session: Session,
    ctx: Context,
    token: Token | str,
    choices: Sequence[int],
    channel: str,
    *,
    election_slug: str | None = None,
) -> CastReceipt:
    """Record one ballot for ``token`` through ``channel``, or raise a domain error."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    parsed = token if isinstance(token, Token) else parse(token)
    election, row = find_token(session, ctx, parsed, election_slug)
    apply_due_transitions(session, ctx, election)
    check_open(election, channel, ctx.clock.now())
    check_unspent(row)
    definition = definition_of(election)
    recorded = validate_choices(definition, choices)
    assert election.id is not None

    digest = ballot_hash(parsed.digits, recorded)
    session.add(
        Ballot(
            token_hash=row.token_hash,
            election_id=election.id,
            token=parsed.digits,
            channel=channel,
            choices=json.dumps(recorded),
        )
    )
    row.state = TokenState.VOTED
    session.add(row)
    nonce = ctx.random_bytes(NONCE_BYTES)
    position, head = ledger.append(
        session,
        election.id,
        {"kind": "ballot", "commitment": ballot_commitment(nonce, digest).hex()},
    )
    try:
        session.flush()
    except IntegrityError:
        # A concurrent cast of the same token won the race; the caller rolls back.
        raise TokenUsedError() from None
    receipt = make_receipt(
        ctx.keys.signing_key(election.slug),
        election=election.slug,
        token_hash=row.token_hash,
        ballot_hash=digest,
        position=position,
        nonce=nonce,
        head=head,
    )
    names = definition.candidate_names()
    return CastReceipt(
        election=election.slug,
        title=election.title,
        channel=channel,
        choices=recorded,
        names=[names[n] for n in recorded],
        receipt=receipt,
    )
