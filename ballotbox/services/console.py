"""The officers' console over the lifecycle services: every action checked, done and logged.

Each function takes the signed-in account, checks its role
(:mod:`ballotbox.services.roles`), calls the same service the CLI calls, and
writes one line to the officer log.  What changes a ballot also goes into its
hash chain, as the lifecycle services always do.  No rule lives in a route.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.definition import parse_definition
from ballotbox.services import elections, officer_log, publishing
from ballotbox.services import tally as tally_service
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.elections import aware, effective_state
from ballotbox.services.roles import Permission, allowed
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.models_postal import Teller

MAX_UPLOAD = 200_000  # characters of TOML


@dataclass(frozen=True)
class NextStep:
    """What the officer does next with a ballot: a sentence and the action's key."""

    text: str
    action: str  # "cards", "open", "wait", "close", "tally", "publish", "done"


@dataclass(frozen=True)
class BallotRow:
    """One ballot on the console's list."""

    election: Election
    state: str
    issued: int
    voted: int
    next_step: NextStep


def next_step(election: Election, issued: int, now: datetime) -> NextStep:
    """The next thing to do with ``election``, from its state and stock."""
    state = effective_state(election, now)
    if state == ElectionState.DRAFT:
        if issued == 0:
            return NextStep(N_("Issue cards: no ballot tokens are issued yet."), "cards")
        return NextStep(N_("Open voting, or issue more cards first."), "open")
    if state == ElectionState.OPEN:
        return NextStep(N_("Voting is open: watch the dashboard; close when it is time."), "close")
    if state == ElectionState.CLOSED:
        return NextStep(N_("Count the votes (check no postal letters are pending)."), "tally")
    if state == ElectionState.COUNTED:
        return NextStep(N_("Publish the results and the audit bundle."), "publish")
    return NextStep(N_("Published: nothing left to do."), "done")


def _row(session: Session, election: Election, now: datetime) -> BallotRow:
    view = elections.overview(session, election)
    state = effective_state(election, now)
    return BallotRow(
        election, state, view.issued, view.voted, next_step(election, view.issued, now)
    )


def ballots(session: Session, ctx: Context, who: Teller) -> list[BallotRow]:
    """Every ballot with its state, tokens issued, turnout and next step."""
    require(who, Permission.OVERSEE)
    now = ctx.clock.now()
    return [_row(session, election, now) for election in repository.elections(session)]


def ballot(session: Session, ctx: Context, who: Teller, slug: str) -> BallotRow:
    """One ballot as on the list (NotFoundError for an unknown slug)."""
    require(who, Permission.OVERSEE)
    return _row(session, repository.election_by_slug(session, slug), ctx.clock.now())


def definition_text(raw: bytes, source: str) -> str:
    """An uploaded definition as text: UTF-8 (a byte-order mark is allowed), or InputError."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            N_("{name} is not UTF-8 text; save it as UTF-8 and upload it again."), name=source
        ) from None


def create_draft(session: Session, ctx: Context, who: Teller, text: str, source: str) -> Election:
    """Create a draft ballot from TOML (the same validation as ``ballotbox election create``)."""
    require(who, Permission.RUN_BALLOTS)
    definition = parse_definition(text[: MAX_UPLOAD + 1], source=source)
    election = elections.create(session, ctx, definition)
    officer_log.record(session, ctx, who, "ballot_created", ballot=election.slug)
    return election


def _election(session: Session, slug: str) -> Election:
    return repository.election_by_slug(session, slug)


def open_ballot(session: Session, ctx: Context, who: Teller, slug: str) -> int:
    """Open voting now; returns how many tokens the signed commitment covers."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    commitment = elections.open_now(session, ctx, election)
    issued = int(commitment["body"]["tokens_issued"])
    officer_log.record(session, ctx, who, "opened", ballot=slug, detail=f"{issued} tokens")
    return issued


def close_ballot(session: Session, ctx: Context, who: Teller, slug: str) -> None:
    """Close voting now."""
    require(who, Permission.RUN_BALLOTS)
    elections.close_now(session, ctx, _election(session, slug))
    officer_log.record(session, ctx, who, "closed", ballot=slug)


def count(
    session: Session, ctx: Context, who: Teller, slug: str, override_reason: str | None
) -> tally_service.Count:
    """Count a closed ballot; pending postal letters block it unless a reason is given.

    The reason goes into the hash chain (by the tally service) and the officer log.
    """
    require(who, Permission.RUN_BALLOTS)
    reason = " ".join(override_reason.split()) if override_reason else None
    result = tally_service.tally(session, ctx, _election(session, slug), override_pending=reason)
    detail = f"pending letters overridden: {reason}" if reason else ""
    officer_log.record(session, ctx, who, "counted", ballot=slug, detail=detail)
    return result


def publish(session: Session, ctx: Context, who: Teller, slug: str) -> publishing.Published:
    """Publish a counted ballot; the bundle is kept in the database for the public pages."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    with tempfile.TemporaryDirectory(prefix="ballotbox-publish-") as scratch:
        done = publishing.publish(session, ctx, election, Path(scratch) / f"{slug}-bundle")
    officer_log.record(
        session, ctx, who, "published", ballot=slug, detail=f"zip SHA-256 {done.zip_sha256}"
    )
    return done


def closes_at(election: Election) -> datetime:
    """When voting closes (aware)."""
    return aware(election.closes_at)


def may_run(who: Teller) -> bool:
    """True when ``who`` may change ballots (not only look at them)."""
    return allowed(who.role, Permission.RUN_BALLOTS)
