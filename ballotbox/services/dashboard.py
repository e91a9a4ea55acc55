"""The live dashboard: turnout, rejected attempts, usage, postal batches, checkpoints — no results.

Everything here is already public or harmless while voting is open: how many
voted by which channel (the public audit page shows the same count), how many
attempts were refused and why, how many letters are in hand, and the signed
checkpoints, the SMS segments and call minutes used so far (bare totals, as
the cost forecast counts them) and the unknown tokens tried per channel in the
guard's current window (a flood alert, as on the public audit page).  Nothing
says who voted, when each ballot came, or how anyone voted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ballotbox.services import costs, elections
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.elections import aware, effective_state
from ballotbox.services.postal import reconcile
from ballotbox.services.roles import Permission
from ballotbox.storage import repository, repository_admin
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import Teller


@dataclass(frozen=True)
class CheckpointRow:
    """One signed checkpoint: where in the chain, how many ballots, when."""

    position: int
    ballots: int
    signed_at: datetime


@dataclass(frozen=True)
class Usage:
    """SMS segments and calls used so far for the ballot, and those no single ballot owns."""

    sms_in: int
    sms_out: int
    calls: int
    call_minutes: int
    unattributed_sms: int
    unattributed_minutes: int

    @property
    def sms_segments(self) -> int:
        """Segments received and sent."""
        return self.sms_in + self.sms_out


def usage(session: Session, slug: str) -> Usage:
    """What the SMS and phone lines have used for ``slug`` (see :mod:`ballotbox.services.costs`)."""
    mine = repository_admin.usage(session, slug)
    shared = repository_admin.usage(session, costs.UNATTRIBUTED)
    return Usage(
        sms_in=mine.get(costs.SMS_IN, 0),
        sms_out=mine.get(costs.SMS_OUT, 0),
        calls=mine.get(costs.CALLS, 0),
        call_minutes=mine.get(costs.CALL_MINUTES, 0),
        unattributed_sms=shared.get(costs.SMS_IN, 0) + shared.get(costs.SMS_OUT, 0),
        unattributed_minutes=shared.get(costs.CALL_MINUTES, 0),
    )


@dataclass(frozen=True)
class Dashboard:
    """What the officer watches while a ballot is open."""

    election: Election
    state: str
    issued: int
    tokens: dict[str, int]
    turnout: dict[str, int]
    voted: int
    rejected: dict[str, int]
    postal: reconcile.Reconciliation
    checkpoints: list[CheckpointRow]
    usage: Usage
    flood: dict[str, int]
    flood_alert: int

    @property
    def turnout_percent(self) -> float:
        """Ballots cast as a share of tokens issued (0 before any are issued)."""
        return 100.0 * self.voted / self.issued if self.issued else 0.0


def dashboard(
    session: Session, ctx: Context, who: Teller, slug: str, flood: dict[str, int] | None = None
) -> Dashboard:
    """The dashboard of ballot ``slug`` (``flood``: unknown tokens per channel this window)."""
    require(who, Permission.OVERSEE)
    election = repository.election_by_slug(session, slug)
    assert election.id is not None
    view = elections.overview(session, election)
    signed = [
        CheckpointRow(c.position, c.ballots, aware(c.signed_at))
        for c in repository.checkpoints(session, election.id)
    ]
    return Dashboard(
        election=election,
        state=effective_state(election, ctx.clock.now()),
        issued=view.issued,
        tokens=view.tokens,
        turnout=view.turnout,
        voted=view.voted,
        rejected=repository.rejections(session, election.slug),
        postal=reconcile.reconcile(session, election),
        checkpoints=signed,
        usage=usage(session, election.slug),
        flood=flood or {},
        flood_alert=ctx.settings.flood_alert,
    )
