"""Checking a vote after publication, by any channel: what is recorded for a token.

Once a ballot is published, its token → vote list is public, so telling a
caller, a texter or a letter-writer what is recorded for their token reveals
nothing new: :func:`check_vote` answers with each contest's choices (candidate
names in order, or the referendum answer), the receipt code, or that the token
was never used or was void.  Before publication it refuses
(:class:`NotCheckableError`) for every token alike.  A token that was never
issued gets the same :class:`UnknownTokenError` as voting, and the same
failure limits apply: each channel puts :class:`ballotbox.services.guards.Guard`
around a check exactly as around a vote (``check`` before, ``failed`` for a
token error in :data:`TOKEN_FAILURES`, after the request's rollback).

Nothing about a check is stored or logged: the lookup reads and writes
nothing, and the token is held only for the length of the call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session

from ballotbox.core.audit.chain import ballot_hash
from ballotbox.core.audit.receipts import receipt_code
from ballotbox.core.errors import (
    NotCheckableError,
    TokenFormatError,
    UnknownTokenError,
)
from ballotbox.core.i18n import _
from ballotbox.core.tokens.format import Token, parse
from ballotbox.definition import ElectionDefinition
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_of, local_title
from ballotbox.services.token_lookup import find_token
from ballotbox.services.voting_rules import can_vote_now
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot, Election, ElectionState, TokenState
from ballotbox.storage.repository import TokenRow

__all__ = [
    "CheckedVote",
    "TOKEN_FAILURES",
    "RecordedContest",
    "check_vote",
    "describe",
    "vote_or_check",
    "recorded_code",
]

VOTED, UNUSED, VOID = "voted", "unused", "void"
#: The errors a channel counts against the source, as it does for a vote.
TOKEN_FAILURES = (TokenFormatError, UnknownTokenError)


@dataclass(frozen=True)
class RecordedContest:
    """One contest of a recorded vote: its names in the voter's order ([] = left blank)."""

    key: str
    title: str
    method: str
    names: tuple[str, ...]

    @property
    def is_referendum(self) -> bool:
        """True for a yes/no question, whose one name is the answer."""
        return self.method == "referendum"


@dataclass(frozen=True)
class CheckedVote:
    """What the published list records for one token."""

    election: str
    title: str
    token: Token
    status: str  # "voted", "unused" or "void"
    channel: str | None = None
    contests: tuple[RecordedContest, ...] = ()
    receipt_code: str | None = None

    @property
    def voted(self) -> bool:
        """True when a vote is recorded for the token."""
        return self.status == VOTED


def check_vote(
    session: Session,
    ctx: Context,
    token: Token | str,
    election_slug: str | None = None,
) -> CheckedVote:
    """What is recorded for ``token`` once its ballot is published, or the domain error."""
    token = token if isinstance(token, Token) else parse(token)
    slug = election_slug
    if slug is not None:
        # A named ballot answers alike for every token until it is published.
        named = repository.election_by_slug(session, slug)
        if named.state != ElectionState.PUBLISHED:
            raise NotCheckableError()
    election, row = find_token(session, ctx, token, slug, lock=False)
    if election.state != ElectionState.PUBLISHED:
        raise NotCheckableError()
    return _recorded(session, election, row, token)


def _recorded(session: Session, election: Election, row: TokenRow, token: Token) -> CheckedVote:
    """What the published list records for the token of ``row``."""
    ballot = repository.ballot_by_hash(session, row.token_hash)
    if ballot is None:
        status = VOID if row.state == TokenState.VOID else UNUSED
        return CheckedVote(election.slug, local_title(election), token, status)
    return CheckedVote(
        election.slug,
        local_title(election),
        token,
        VOTED,
        channel=ballot.channel,
        contests=_contests(definition_of(election), json.loads(ballot.choices)),
        receipt_code=recorded_code(ballot),
    )


def vote_or_check(
    session: Session, ctx: Context, token: Token, channel: str
) -> CheckedVote | Election:
    """For a channel that takes a bare token both to vote and to check, in one look-up.

    Once the token's ballot is published: what is recorded for it.  Otherwise
    its election, if it could vote now through ``channel``; the token and
    voting errors are raised as :func:`check_can_vote` raises them.
    """
    election, row = find_token(session, ctx, token, None, lock=False)
    if election.state == ElectionState.PUBLISHED:
        return _recorded(session, election, row, token)
    return can_vote_now(session, ctx, election, row, channel)


def recorded_code(ballot: Ballot) -> str:
    """The receipt code of the ballot as recorded (what the voter was given, if nothing changed)."""
    return receipt_code(
        bytes(ballot.token_hash), ballot_hash(ballot.token, json.loads(ballot.choices))
    )


def _contests(
    definition: ElectionDefinition, recorded: list[int] | dict[str, list[int]]
) -> tuple[RecordedContest, ...]:
    """Each contest's recorded numbers as names, in ballot order."""
    by_key = recorded if isinstance(recorded, dict) else {definition.keys[0]: recorded}
    out = []
    for contest in definition.contests:
        names = contest.candidate_names()
        numbers = by_key.get(contest.key, [])
        out.append(
            RecordedContest(
                key=contest.key,
                title=contest.title,
                method=contest.method,
                names=tuple(names.get(n, str(n)) for n in numbers),
            )
        )
    return tuple(out)


def describe(vote: CheckedVote) -> list[str]:
    """The recorded vote in plain sentences, one per contest, for a text or a voice.

    ``1 Ann Example, 2 Cy Twombly`` for a ranked or marked contest, the answer
    for a yes/no question, "left blank" for a contest without choices; then the
    receipt code (or that no vote was recorded, or the card was cancelled).
    """
    if vote.status == VOID:
        return [_("This card was cancelled before voting opened. No vote was recorded for it.")]
    if vote.status == UNUSED:
        return [_("No vote was recorded for this token.")]
    lines = []
    single = len(vote.contests) == 1
    for contest in vote.contests:
        if not contest.names:
            chosen = _("left blank")
        elif contest.is_referendum or len(contest.names) == 1:
            chosen = contest.names[0]
        else:
            chosen = ", ".join(f"{n} {name}" for n, name in enumerate(contest.names, start=1))
        lines.append(chosen if single else f"{contest.title}: {chosen}")
    lines.append(_("Receipt code {code}.").format(code=vote.receipt_code))
    return lines
