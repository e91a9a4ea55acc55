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
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_date
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ballotbox.choices import validate_choices
from ballotbox.core.audit.chain import ballot_commitment, ballot_hash
from ballotbox.core.audit.receipts import make_receipt
from ballotbox.core.errors import (
    BallotboxError,
    ElectionNotOpenError,
    TokenUsedError,
    TokenVoidError,
    UnknownElectionError,
    UnknownTokenError,
)
from ballotbox.core.i18n import N_, _, current_locale
from ballotbox.core.tokens.format import Token, parse
from ballotbox.core.tokens.hashing import token_hash
from ballotbox.services.context import Context
from ballotbox.services.elections import (
    apply_due_transitions,
    aware,
    definition_of,
    effective_state,
)
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import Ballot, BallotToken, Election, ElectionState, TokenState

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


@dataclass(frozen=True)
class CastRequest:
    """One ballot to cast: the token as given, the choices, the channel, maybe the election."""

    token: Token | str
    choices: Sequence[int]
    channel: str
    election_slug: str | None = None
    received_at: datetime | None = None  # letters and messages: when they arrived


Outcome = CastReceipt | BallotboxError


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
    outcomes: list[Outcome | None] = [None]
    request = CastRequest(token, (), "web", election_slug)
    found = _find_tokens(session, ctx, [request], {0: token}, outcomes, lock=lock)
    if 0 not in found:
        assert isinstance(outcomes[0], BallotboxError)
        raise outcomes[0]
    return found[0]


def closing_time(election: Election) -> datetime:
    """When voting ended or ends: the actual close if it came early, else the scheduled one."""
    return aware(election.closed_at or election.closes_at)


def received_in_time(election: Election, state: str, received_at: datetime | None) -> bool:
    """True for an item received before the close, while the election is closed but not counted."""
    return (
        state == ElectionState.CLOSED
        and received_at is not None
        and aware(received_at) < closing_time(election)
    )


def check_open(
    election: Election, channel: str, now: datetime, received_at: datetime | None = None
) -> None:
    """Raise unless ``election`` accepts votes at ``now`` through ``channel``.

    A letter or message received before the close (``received_at``) may still be
    cast after it, until the count; how many is bounded by the ``closed`` entry.
    """
    state = effective_state(election, now)
    if state == ElectionState.DRAFT:
        raise ElectionNotOpenError(
            N_("Voting has not opened yet. It opens on {when}."), when=_when(election.opens_at)
        )
    if state != ElectionState.OPEN and not received_in_time(election, state, received_at):
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
    """A moment in the member's language: "31 January 2027 at 17:00 UTC"."""
    utc = aware(moment).astimezone(UTC)
    day = format_date(utc, "d MMMM y", locale=current_locale())
    return _("{date} at {time} UTC").format(date=day, time=utc.strftime("%H:%M"))


def cast(
    session: Session,
    ctx: Context,
    token: Token | str,
    choices: Sequence[int],
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
    order and each election's chain head once, so concurrent batches queue
    rather than deadlock; the writes go out as a few multi-row statements.
    """
    for request in requests:
        if request.channel not in CHANNELS:
            raise ValueError(f"unknown channel {request.channel!r}")
    outcomes: list[Outcome | None] = [None] * len(requests)
    parsed: dict[int, Token] = {}
    for i, request in enumerate(requests):
        try:
            parsed[i] = request.token if isinstance(request.token, Token) else parse(request.token)
        except BallotboxError as error:
            outcomes[i] = error
    found = _find_tokens(session, ctx, requests, parsed, outcomes)
    for election in {id(e): e for e, _row in found.values()}.values():
        apply_due_transitions(session, ctx, election)
    accepted: dict[int, list[tuple[int, Token, BallotToken, list[int]]]] = {}
    spent: set[bytes] = set()
    late_used: dict[int, int] = {}
    now = ctx.clock.now()
    for i, (election, row) in sorted(found.items()):
        try:
            check_open(election, requests[i].channel, now, requests[i].received_at)
            if row.token_hash in spent:
                raise TokenUsedError()
            check_unspent(row)
            recorded = validate_choices(definition_of(election), requests[i].choices)
            if election.state == ElectionState.CLOSED:
                _take_late_place(session, election, late_used)
        except BallotboxError as error:
            outcomes[i] = error
            continue
        spent.add(row.token_hash)
        assert election.id is not None
        accepted.setdefault(election.id, []).append((i, parsed[i], row, recorded))
    elections_by_id = {e.id: e for e, _row in found.values()}
    for election_id in sorted(accepted):
        election = elections_by_id[election_id]
        for i, receipt in _record(session, ctx, election, requests, accepted[election_id]):
            outcomes[i] = receipt
    try:
        session.flush()
    except IntegrityError:
        # Only possible if another transaction spent a token without the row lock; the
        # caller rolls the whole transaction back, so nothing here is acknowledged.
        raise TokenUsedError() from None
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


def _take_late_place(session: Session, election: Election, used: dict[int, int]) -> None:
    """Count one late ballot against the allowance the ``closed`` entry committed to."""
    assert election.id is not None
    closed = repository.last_event(session, election.id, "closed")
    allowed = int(closed.get("late", 0)) if closed else 0
    cast_late = repository.chain_head(session, election.id).ballots - int(
        closed.get("ballots", 0) if closed else 0
    )
    if cast_late + used.get(election.id, 0) >= allowed:
        raise ElectionNotOpenError(
            N_("Voting closed on {when}."), when=_when(closing_time(election))
        )
    used[election.id] = used.get(election.id, 0) + 1


def _find_tokens(
    session: Session,
    ctx: Context,
    requests: Sequence[CastRequest],
    parsed: dict[int, Token],
    outcomes: list[Outcome | None],
    *,
    lock: bool = True,
) -> dict[int, tuple[Election, BallotToken]]:
    """Each parsed request's election and (locked) token row; unknown ones get their error."""
    every = list(repository.elections(session))
    by_slug = {e.slug: e for e in every}
    keys = {e.slug: ctx.keys.token_key(e.slug) for e in every}
    wanted: dict[int, dict[bytes, Election]] = {}
    for i, token in parsed.items():
        slug = requests[i].election_slug
        if slug is not None and slug not in by_slug:
            outcomes[i] = UnknownElectionError(slug=slug)
            continue
        scope = [by_slug[slug]] if slug is not None else every
        wanted[i] = {token_hash(token, keys[e.slug]): e for e in scope}
    hashes = sorted({h for candidates in wanted.values() for h in candidates})
    rows = {
        row.token_hash: row for row in repository.tokens_by_hash(session, hashes, for_update=lock)
    }
    found: dict[int, tuple[Election, BallotToken]] = {}
    for i, candidates in wanted.items():
        match = next((h for h in candidates if h in rows), None)
        if match is None:
            outcomes[i] = UnknownTokenError()
        else:
            found[i] = (candidates[match], rows[match])
    return found


def _record(
    session: Session,
    ctx: Context,
    election: Election,
    requests: Sequence[CastRequest],
    accepted: list[tuple[int, Token, BallotToken, list[int]]],
) -> list[tuple[int, CastReceipt]]:
    """Store one election's accepted ballots, chain them, and sign their receipts."""
    assert election.id is not None
    payloads, digests, nonces = [], [], []
    for _i, token, row, recorded in accepted:
        digest = ballot_hash(token.digits, recorded)
        nonce = ctx.random_bytes(NONCE_BYTES)
        session.add(
            Ballot(
                token_hash=row.token_hash,
                election_id=election.id,
                token=token.digits,
                channel=requests[_i].channel,
                choices=json.dumps(recorded),
            )
        )
        row.state = TokenState.VOTED
        session.add(row)
        payloads.append({"kind": "ballot", "commitment": ballot_commitment(nonce, digest).hex()})
        digests.append(digest)
        nonces.append(nonce)
    linked = ledger.append_many(session, election.id, payloads)
    key = ctx.keys.signing_key(election.slug)
    names = definition_of(election).candidate_names()
    receipts = []
    for (i, _token, row, recorded), digest, nonce, (position, head) in zip(
        accepted, digests, nonces, linked, strict=True
    ):
        signed = make_receipt(
            key,
            election=election.slug,
            token_hash=row.token_hash,
            ballot_hash=digest,
            position=position,
            nonce=nonce,
            head=head,
        )
        receipts.append(
            (
                i,
                CastReceipt(
                    election=election.slug,
                    title=election.title,
                    channel=requests[i].channel,
                    choices=recorded,
                    names=[names[n] for n in recorded],
                    receipt=signed,
                ),
            )
        )
    return receipts
