"""An election's life: draft → open → closed → counted → published.

Opening and closing happen by command or when the clock passes the times in
the definition (:func:`apply_due_transitions`, called by every write and by
the app's background loop).  Each transition is appended to the hash chain;
opening also signs and logs the token commitment, after which no token can
be issued or voided.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from ballotbox.core.audit.chain import canonical_json, document_hash
from ballotbox.core.audit.commitment import make_commitment
from ballotbox.core.errors import LifecycleError, NoTokensIssuedError
from ballotbox.core.i18n import N_, _
from ballotbox.definition import ElectionDefinition
from ballotbox.services import checkpoints, continuity
from ballotbox.services.actions import action_log, record_action
from ballotbox.services.context import Context
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import Candidate, Contest, Election, ElectionState, TokenState
from ballotbox.storage.order import forget_order_after_commit

log = logging.getLogger(__name__)


def iso(moment: datetime) -> str:
    """A timestamp as published: UTC, seconds, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def definition_of(election: Election) -> ElectionDefinition:
    """The validated definition stored with ``election`` (parsed once per distinct text)."""
    return _parse_definition(election.definition)


def stored_definition(text: str) -> ElectionDefinition:
    """The definition an election row stores as ``text`` (parsed once per distinct text)."""
    return _parse_definition(text)


def local_title(election: Election) -> str:
    """The ballot's title in the language in force (its ``title_cy`` in Welsh), else as written."""
    return definition_of(election).local_title


@lru_cache(maxsize=64)
def _parse_definition(text: str) -> ElectionDefinition:
    return ElectionDefinition.model_validate_json(text)


def definition_document(election: Election) -> dict[str, object]:
    """The definition as the plain JSON document that is hashed and published."""
    return json.loads(election.definition)  # type: ignore[no-any-return]


def create(session: Session, ctx: Context, definition: ElectionDefinition) -> Election:
    """Store a new election in draft, make its keys and start its chain."""
    if repository.find_election(session, definition.slug) is not None:
        raise LifecycleError(
            N_("An election called “{slug}” already exists; choose another slug."),
            slug=definition.slug,
        )
    document = definition.document()
    election = Election(
        slug=definition.slug,
        title=definition.title,
        description=definition.description,
        definition=canonical_json(document).decode(),
        opens_at=definition.opens,
        closes_at=definition.closes,
        state=ElectionState.DRAFT,
    )
    session.add(election)
    session.flush()
    assert election.id is not None
    list_contests(session, election.id, definition)
    ctx.keys.create(definition.slug)
    ledger.start_chain(session, election.id)
    session.flush()
    ledger.append(
        session,
        election.id,
        {
            "kind": "created",
            "definition_hash": document_hash(document),
            "time": iso(ctx.clock.now()),
        },
    )
    return election


def list_contests(session: Session, election_id: int, definition: ElectionDefinition) -> None:
    """List the ballot's contests and their candidates in their tables (for queries)."""
    for position, contest in enumerate(definition.contests):
        session.add(
            Contest(
                election_id=election_id,
                key=contest.key,
                position=position,
                title=contest.title,
                method=contest.method,
                seats=contest.seats,
            )
        )
    session.flush()  # the candidates refer to their contest
    for contest in definition.contests:
        for c in contest.candidates:
            session.add(
                Candidate(
                    election_id=election_id,
                    contest_key=contest.key,
                    number=c.number,
                    name=c.name,
                    statement=c.statement,
                    url=c.url,
                    group=c.group,
                )
            )


def _require(election: Election, states: set[str], action: str) -> None:
    if election.state not in states:
        raise LifecycleError(state=election.state, action=action)


def _lock(session: Session, election: Election) -> None:
    """Lock the election's row and re-read it: two hosts (or workers) whose clocks both say
    "close now" must not both log a close.  SQLite's writers are serialised already."""
    session.flush()
    session.refresh(election, with_for_update=True)


def open_now(
    session: Session, ctx: Context, election: Election, *, at: datetime | None = None
) -> dict[str, Any]:
    """Open voting: sign the token commitment and log it.  Returns the commitment."""
    _lock(session, election)
    _require(election, {ElectionState.DRAFT}, N_("opening"))
    assert election.id is not None
    continuity.require_continuity(session, ctx, election)
    moment = at or ctx.clock.now()
    if aware(election.closes_at) <= moment:
        raise LifecycleError(
            N_("The closing time has already passed; change the definition first.")
        )
    require_tokens(session, election)
    issued = repository.token_hashes(session, election.id)
    void = repository.token_hashes(session, election.id, TokenState.VOID)
    commitment = make_commitment(
        ctx.keys.signing_key(election.slug),
        election=election.slug,
        definition=definition_document(election),
        token_hashes=issued,
        void=void,
        tie_break_seed=definition_of(election).tie_seed,
        time=iso(moment),
    )
    election.state = ElectionState.OPEN
    election.opened_at = moment
    session.add(election)
    position, head = ledger.append(
        session, election.id, {"kind": "opened", "commitment": commitment, "time": iso(moment)}
    )
    continuity.witness_after_commit(session, ctx, election, position, head)
    return commitment


def require_tokens(session: Session, election: Election) -> None:
    """Refuse to open a ballot with no usable token (none, or all void): no one could vote."""
    assert election.id is not None
    counts = repository.token_counts(session, election.id)
    usable = counts.get(TokenState.UNUSED, 0)
    if usable == 0:
        issued = sum(counts.values())
        why = (
            _("no ballot tokens have been issued")
            if issued == 0
            else _("all {n} ballot tokens issued have been voided").format(n=issued)
        )
        raise NoTokensIssuedError(slug=election.slug, why=why)


def _refuse_scheduled_open(session: Session, ctx: Context, election: Election) -> bool:
    """True (and logged once, with why) when a due opening must wait for tokens."""
    try:
        require_tokens(session, election)
    except NoTokensIssuedError as refusal:
        if not action_log(session, election.slug, "open_refused"):
            log.warning("%s was not opened at its scheduled time: %s", election.slug, refusal)
            record_action(
                session,
                "scheduler",
                "open_refused",
                election.slug,
                refusal.message,
                at=ctx.clock.now(),
            )
        return True
    return False


def late_allowance(session: Session, ctx: Context, election: Election) -> int:
    """Ballots that may still be cast after ``election`` closes (committed at the close).

    Posted letters (and phone messages) received before the close are keyed by
    tellers in the days after.  The context's ``late_arrivals`` count the items
    in hand but not yet resolved; the total is committed in the chain's
    ``closed`` entry, and no more than that many ballots can be cast after the close.
    """
    return sum(count(session, election) for count in ctx.late_arrivals)


def close_now(
    session: Session, ctx: Context, election: Election, *, at: datetime | None = None
) -> None:
    """Close voting now (or at the scheduled time ``at``)."""
    _lock(session, election)
    _require(election, {ElectionState.OPEN}, N_("closing"))
    assert election.id is not None
    continuity.require_continuity(session, ctx, election)
    moment = at or ctx.clock.now()
    election.state = ElectionState.CLOSED
    election.closed_at = moment
    session.add(election)
    head = repository.chain_head(session, election.id)
    closed: dict[str, object] = {"kind": "closed", "ballots": head.ballots, "time": iso(moment)}
    late = late_allowance(session, ctx, election)
    if late:
        closed["late"] = late
    ledger.append(session, election.id, closed)
    checkpoints.sign(session, ctx, election, at=moment)  # the final head of the poll, signed
    forget_order_after_commit(session)  # ballots rewritten in key order once this commits


def transition_due(election: Election, now: datetime) -> bool:
    """Whether the clock has passed a scheduled opening or closing not yet recorded."""
    if election.state == ElectionState.DRAFT:
        return aware(election.opens_at) <= now
    return election.state == ElectionState.OPEN and aware(election.closes_at) <= now


def apply_due_transitions(session: Session, ctx: Context, election: Election) -> None:
    """Open or close ``election`` if the clock has passed its scheduled times.

    An election on hold (its database restored behind the witnessed chain
    head, see :mod:`ballotbox.services.continuity`) waits for the officer.
    """
    now = ctx.clock.now()
    if not transition_due(election, now):
        return
    _lock(session, election)  # another host may have done it meanwhile: look again, locked
    if continuity.gap(session, ctx, election) is not None:
        return
    if election.state == ElectionState.DRAFT and aware(election.opens_at) <= now:
        if aware(election.closes_at) <= now:
            return  # never opened in time; the officer must decide what to do
        if _refuse_scheduled_open(session, ctx, election):
            return  # no one could vote: it stays a draft until cards are issued
        open_now(session, ctx, election, at=aware(election.opens_at))
    if election.state == ElectionState.OPEN and aware(election.closes_at) <= now:
        close_now(session, ctx, election, at=aware(election.closes_at))


def effective_state(election: Election, now: datetime) -> str:
    """The state ``election`` is in at ``now``, counting transitions not yet recorded."""
    state = election.state
    if state == ElectionState.DRAFT and aware(election.opens_at) <= now < aware(election.closes_at):
        return ElectionState.OPEN
    if state in {ElectionState.DRAFT, ElectionState.OPEN} and aware(election.closes_at) <= now:
        return ElectionState.CLOSED if state == ElectionState.OPEN else ElectionState.DRAFT
    return state


def apply_all_due(session: Session, ctx: Context) -> list[str]:
    """Apply due transitions to every election; return the slugs that changed."""
    changed = []
    for election in repository.elections(session, [ElectionState.DRAFT, ElectionState.OPEN]):
        before = election.state
        apply_due_transitions(session, ctx, election)
        if election.state != before:
            changed.append(election.slug)
    return changed


@dataclass(frozen=True)
class Overview:
    """What anyone may know about an election at any time: never running results."""

    election: Election
    definition: ElectionDefinition
    tokens: dict[str, int]
    turnout: dict[str, int]

    @property
    def issued(self) -> int:
        """Tokens issued, including voided ones."""
        return sum(self.tokens.values())

    @property
    def voted(self) -> int:
        """Ballots cast so far."""
        return sum(self.turnout.values())


def overview(session: Session, election: Election) -> Overview:
    """Tokens by state and turnout by channel for ``election``."""
    assert election.id is not None
    return Overview(
        election=election,
        definition=definition_of(election),
        tokens=repository.token_counts(session, election.id),
        turnout=repository.turnout_by_channel(session, election.id),
    )
