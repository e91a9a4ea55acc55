"""``cast()``: the one door every vote comes in by, whatever the channel.

In one transaction it finds the token's election, checks the election is
open, the channel enabled, the token unspent and the choices valid for every
contest on the ballot, stores the ballot, marks the token spent and appends a
blinded entry to the hash chain.  Exactly once: the token row is locked
(PostgreSQL) or the whole database is (SQLite ``BEGIN IMMEDIATE``), and the
ballot's primary key is the token hash, so of concurrent attempts exactly one
wins; every other one gets :class:`TokenUsedError`.  The caller commits; only
then is the receipt shown.

A ballot of one contest is recorded as the list of its choices, exactly as
before contests existed; a ballot of several as contest key → list, every
contest present (``[]``: left blank).  That value is what is stored, hashed
into the chain, signed in the receipt and published.

Reading order: :func:`cast` is a batch of one; :func:`cast_many` finds the
tokens (:mod:`ballotbox.services.token_lookup`), checks each ballot
(:mod:`ballotbox.services.voting_rules`, :func:`ballotbox.choices.validate_ballot`)
before anything is written, then records each election's accepted ballots.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ballotbox.choices import BallotChoices, CastChoices, GivenChoices, validate_ballot
from ballotbox.core.audit.chain import ballot_commitment, ballot_hash
from ballotbox.core.audit.receipts import make_receipt
from ballotbox.core.errors import (
    BallotboxError,
    ChoiceError,
    TokenUsedError,
    VotingPausedError,
)
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import Token
from ballotbox.core.vocabulary import CHANNELS
from ballotbox.definition import ElectionDefinition
from ballotbox.services import continuity
from ballotbox.services.context import Context
from ballotbox.services.elections import apply_due_transitions, definition_of, transition_due
from ballotbox.services.token_lookup import TokenMatch, find_token, find_tokens
from ballotbox.services.voting_rules import (
    check_can_vote,
    check_open,
    check_unspent,
    take_late_place,
)
from ballotbox.storage import ledger
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.repository import LockedHead

__all__ = [
    "CastReceipt",
    "CastRequest",
    "Outcome",
    "cast",
    "cast_many",
    "check_can_vote",  # the channels ask this before showing a ballot
    "find_token",
]

log = logging.getLogger("ballotbox.casting")

NONCE_BYTES = 16
Recorded = list[int] | dict[str, list[int]]


@dataclass(frozen=True)
class CastReceipt:
    """What an accepted ballot gives back: the signed receipt and a read-back.

    ``ballot`` holds every contest's choices (key → numbers, [] for a contest
    left blank) and ``ballot_names`` their names in the same order.
    """

    election: str
    title: str
    channel: str
    receipt: dict[str, Any]
    ballot: BallotChoices
    ballot_names: dict[str, list[str]]
    #: The election's definition, so a channel can show the receipt without reading it again.
    definition: ElectionDefinition | None = field(default=None, compare=False, repr=False)

    @property
    def code(self) -> str:
        """The short receipt code for SMS and phone."""
        return str(self.receipt["code"])


@dataclass(frozen=True)
class CastRequest:
    """One ballot to cast: the token as given, the choices, the channel, maybe the election.

    ``choices`` is a mapping contest key → choices (a missing key: left blank),
    or, on a ballot of one contest, the list of its choices; or a reader that
    gives them from the token's definition (:data:`ballotbox.choices.ChoicesReader`).
    """

    token: Token | str
    choices: CastChoices
    channel: str
    election_slug: str | None = None
    received_at: datetime | None = None  # letters and messages: when they arrived


Outcome = CastReceipt | BallotboxError


def cast(
    session: Session,
    ctx: Context,
    token: Token | str,
    choices: CastChoices,
    channel: str,
    *,
    election_slug: str | None = None,
    received_at: datetime | None = None,
) -> CastReceipt:
    """Record one ballot for ``token`` through ``channel``, or raise a domain error."""
    request = CastRequest(token, choices, channel, election_slug, received_at)
    outcome = cast_many(session, ctx, [request])[0]
    if isinstance(outcome, BallotboxError):
        raise outcome
    return outcome


def cast_many(session: Session, ctx: Context, requests: Sequence[CastRequest]) -> list[Outcome]:
    """Cast several ballots in the caller's transaction; each gets its receipt or its error.

    Every check runs before anything is written, so a refused ballot writes
    nothing and cannot disturb the others.  The tokens are locked in hash
    order, then each election's chain head once (in one query with what the
    continuity check needs), so concurrent batches queue rather than deadlock;
    the writes go out as one statement per election on PostgreSQL
    (:func:`ballotbox.storage.ledger.append_ballots`).
    """
    for request in requests:
        if request.channel not in CHANNELS:
            raise ValueError(f"unknown channel {request.channel!r}")
    found = find_tokens(session, ctx, [(r.token, r.election_slug) for r in requests])
    found = _transitions_applied(session, ctx, found)
    involved = {id(m.election): m.election for m in _matches(found)}.values()
    heads: dict[int | None, LockedHead] = {}
    on_hold: set[int | None] = set()
    for election in sorted(involved, key=lambda e: e.id or 0):  # locked in one order
        heads[election.id], gap = continuity.lock_head(session, ctx, election)
        if gap is not None:
            on_hold.add(election.id)
    rules = _BatchRules(session, ctx, on_hold)
    checked: list[Outcome | _Accepted] = [
        rules.check(i, request, match) if isinstance(match, TokenMatch) else match
        for i, (request, match) in enumerate(zip(requests, found, strict=True))
    ]
    accepted = [o for o in checked if isinstance(o, _Accepted)]
    receipts: dict[int, CastReceipt] = {}
    try:
        for election_id in sorted({a.match.election.id or 0 for a in accepted}):
            ballots = [a for a in accepted if a.match.election.id == election_id]
            recorded = _record(session, ctx, ballots, heads[election_id])
            receipts.update(zip([a.index for a in ballots], recorded, strict=True))
        session.flush()
    except IntegrityError:
        # Only possible if another transaction spent a token without the row lock; the
        # caller rolls the whole transaction back, so nothing here is acknowledged.
        raise TokenUsedError() from None
    return [receipts[o.index] if isinstance(o, _Accepted) else o for o in checked]


@dataclass(frozen=True)
class _Accepted:
    """A ballot that passed every check, waiting to be written."""

    index: int
    match: TokenMatch
    channel: str
    ballot: BallotChoices
    recorded: Recorded


class _BatchRules:
    """The rules for each ballot of one batch, in order, remembering what the batch has taken.

    A token may appear twice in a batch: once one of its ballots is accepted,
    the others are refused as used.  Late ballots (letters received before the
    close) are counted against the allowance the ``closed`` entry committed to.
    An election in ``on_hold`` (its chain behind the last witnessed head, see
    :mod:`ballotbox.services.continuity`) takes no ballot at all.
    """

    def __init__(self, session: Session, ctx: Context, on_hold: set[int | None]) -> None:
        self.session = session
        self.on_hold = on_hold
        self.now = ctx.clock.now()
        self.spent: set[bytes] = set()
        self.late_used: dict[int, int] = {}

    def check(self, index: int, request: CastRequest, match: TokenMatch) -> Outcome | _Accepted:
        """The ballot as it will be recorded, or the error that refuses it."""
        election, row = match.election, match.row
        try:
            check_open(election, request.channel, self.now, request.received_at)
            if election.id in self.on_hold:
                raise VotingPausedError()
            if row.token_hash in self.spent:
                raise TokenUsedError()
            check_unspent(row)
            definition = definition_of(election)
            ballot = validate_ballot(definition, _given(definition, request.choices))
            if election.state == ElectionState.CLOSED:
                take_late_place(self.session, election, self.late_used)
        except BallotboxError as error:
            return error
        self.spent.add(row.token_hash)
        return _Accepted(index, match, request.channel, ballot, _recorded(definition, ballot))


def _given(definition: ElectionDefinition, choices: CastChoices) -> GivenChoices:
    """The choices, read from ``definition`` when the channel gave a reader.

    A reader that fails other than with a domain error refuses its own ballot
    only (as not read), never the batch it is in: the others are still cast.
    """
    if not callable(choices):
        return choices
    try:
        return choices(definition)
    except BallotboxError:
        raise
    except Exception as exc:
        log.exception("a ballot's choices could not be read")
        raise ChoiceError(N_("Your choices could not be read.")) from exc


def _recorded(definition: ElectionDefinition, ballot: BallotChoices) -> Recorded:
    """What is stored, hashed and published: the list (one contest), or every contest's."""
    if definition.single:
        return list(ballot[definition.keys[0]])
    return {key: list(ballot[key]) for key in definition.keys}


def _matches(found: Sequence[TokenMatch | BallotboxError]) -> list[TokenMatch]:
    return [m for m in found if isinstance(m, TokenMatch)]


def _transitions_applied(
    session: Session, ctx: Context, found: list[TokenMatch | BallotboxError]
) -> list[TokenMatch | BallotboxError]:
    """Open or close the batch's elections whose time has come (rarely: once a poll each).

    The look-up may give an election as a plain copy of its row (PostgreSQL); one with a
    transition due is taken as the session's own object instead, which the transition
    locks, re-reads and changes, and the batch's matches are pointed at it.
    """
    now = ctx.clock.now()
    changed: dict[int | None, Election] = {}
    for match in _matches(found):
        election = match.election
        if election.id not in changed and transition_due(election, now):
            own = session.get(Election, election.id) or election
            apply_due_transitions(session, ctx, own)
            changed[election.id] = own
    if not changed:
        return found
    return [
        replace(m, election=changed.get(m.election.id, m.election))
        if isinstance(m, TokenMatch)
        else m
        for m in found
    ]


def _record(
    session: Session, ctx: Context, accepted: Sequence[_Accepted], locked: LockedHead
) -> list[CastReceipt]:
    """Store one election's accepted ballots, chain them (``locked``: its head), sign receipts."""
    election = accepted[0].match.election
    assert election.id is not None
    payloads, digests, nonces, ballots = [], [], [], []
    for a in accepted:
        digest = ballot_hash(a.match.token.digits, a.recorded)
        nonce = ctx.random_bytes(NONCE_BYTES)
        ballots.append(
            ledger.NewBallot(a.match.row, a.match.token.digits, a.channel, json.dumps(a.recorded))
        )
        payloads.append({"kind": "ballot", "commitment": ballot_commitment(nonce, digest).hex()})
        digests.append(digest)
        nonces.append(nonce)
    linked = ledger.append_ballots(session, locked, ballots, payloads)
    continuity.witness_after_commit(session, ctx, election, *linked[-1])
    key = ctx.keys.signing_key(election.slug)
    receipts = []
    for a, digest, nonce, (position, head) in zip(accepted, digests, nonces, linked, strict=True):
        signed = make_receipt(
            key,
            election=election.slug,
            token_hash=a.match.row.token_hash,
            ballot_hash=digest,
            position=position,
            nonce=nonce,
            head=head,
        )
        receipts.append(_receipt(election, a, signed))
    return receipts


def _receipt(election: Election, accepted: _Accepted, signed: dict[str, Any]) -> CastReceipt:
    """The receipt and read-back for one recorded ballot."""
    definition = definition_of(election)
    names = {}
    for key, numbers in accepted.ballot.items():
        named = definition.contest(key).candidate_names()
        names[key] = [named[n] for n in numbers]
    return CastReceipt(
        election=election.slug,
        title=definition.local_title,
        channel=accepted.channel,
        receipt=signed,
        ballot={key: list(numbers) for key, numbers in accepted.ballot.items()},
        ballot_names=names,
        definition=definition,
    )
