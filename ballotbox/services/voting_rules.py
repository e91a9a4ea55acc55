"""When a token may vote: the election open (or a letter received in time), the token unspent.

``cast()`` applies these to every ballot; the channels call
:func:`check_can_vote` before showing a ballot, so a member learns at once,
in the same words, that a card is spent or the poll closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlmodel import Session

from ballotbox.core.errors import ElectionNotOpenError, TokenUsedError, TokenVoidError
from ballotbox.core.i18n import N_, _, current_locale
from ballotbox.core.tokens.format import Token
from ballotbox.services import continuity
from ballotbox.services.context import Context
from ballotbox.services.elections import aware, definition_of, effective_state
from ballotbox.services.token_lookup import find_token
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState, TokenState
from ballotbox.storage.repository import TokenRow


def check_can_vote(
    session: Session,
    ctx: Context,
    token: Token,
    channel: str,
    election_slug: str | None = None,
) -> Election:
    """The token's election, if it could vote now; the same errors ``cast()`` would give."""
    election, row = find_token(session, ctx, token, election_slug, lock=False)
    return can_vote_now(session, ctx, election, row, channel)


def can_vote_now(
    session: Session, ctx: Context, election: Election, row: TokenRow, channel: str
) -> Election:
    """``election``, if the token of ``row`` (found in it) could vote now through ``channel``."""
    check_open(election, channel, ctx.clock.now())
    check_unspent(row)
    hold = continuity.paused(session, ctx, election)
    if hold is not None:
        raise hold
    return election


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
            N_("Voting has not opened yet. It opens on {when}."),
            when=_when(election, election.opens_at),
        )
    if state != ElectionState.OPEN and not received_in_time(election, state, received_at):
        raise ElectionNotOpenError(
            N_("Voting closed on {when}."),
            when=_when(election, election.closed_at or election.closes_at),
        )
    if channel not in definition_of(election).channels:
        raise ElectionNotOpenError(
            N_("This ballot does not take votes by {channel}."), channel=channel
        )


def check_unspent(row: TokenRow) -> None:
    """Raise unless the token can still vote."""
    if row.state == TokenState.VOID:
        raise TokenVoidError()
    if row.state == TokenState.VOTED:
        raise TokenUsedError()


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


def take_late_place(session: Session, election: Election, used: dict[int, int]) -> None:
    """Count one late ballot against the allowance the ``closed`` entry committed to.

    ``used`` counts the late ballots already taken in this batch, per election.
    """
    assert election.id is not None
    closed = repository.last_event(session, election.id, "closed") or {}
    allowed = _whole_number(closed, "late")
    at_close = _whole_number(closed, "ballots")
    cast_late = repository.chain_head(session, election.id).ballots - at_close
    if cast_late + used.get(election.id, 0) >= allowed:
        raise ElectionNotOpenError(
            N_("Voting closed on {when}."), when=_when(election, closing_time(election))
        )
    used[election.id] = used.get(election.id, 0) + 1


def _whole_number(payload: Mapping[str, object], key: str) -> int:
    """The count a log entry's payload holds under ``key`` (0 when it has none)."""
    value = payload.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"the log entry's {key!r} is {value!r}, not a whole number")
    return value


def _when(election: Election, moment: Any) -> LocalMoment:
    """A moment in the member's language and the ballot's zone: "31 January 2027 at 17:00 GMT"."""
    return LocalMoment(aware(moment).astimezone(ZoneInfo(definition_of(election).zone)))


@dataclass(frozen=True)
class LocalMoment:
    """A moment written out in the language current when the message is shown, not raised.

    A cast is refused in the batcher's thread; the member reads the refusal in
    their request's language (a Welsh text, a Welsh page), so the date's words
    are chosen when the error's message is formatted there."""

    at: datetime

    def __str__(self) -> str:
        day = format_date(self.at, "d MMMM y", locale=current_locale())
        return _("{date} at {time} {zone}").format(
            date=day, time=self.at.strftime("%H:%M"), zone=self.at.strftime("%Z")
        )
