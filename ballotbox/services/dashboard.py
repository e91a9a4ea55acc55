"""The live dashboard: turnout, rejected attempts, postal batches, checkpoints — never results.

Everything here is already public or harmless while voting is open: how many
voted by which channel (the public audit page shows the same count), how many
attempts were refused and why, how many letters are in hand, and the signed
checkpoints.  Nothing says who voted, when each ballot came, or how anyone
voted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ballotbox.services import elections
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.elections import aware, effective_state
from ballotbox.services.postal import reconcile
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import Teller


@dataclass(frozen=True)
class CheckpointRow:
    """One signed checkpoint: where in the chain, how many ballots, when."""

    position: int
    ballots: int
    signed_at: datetime


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

    @property
    def turnout_percent(self) -> float:
        """Ballots cast as a share of tokens issued (0 before any are issued)."""
        return 100.0 * self.voted / self.issued if self.issued else 0.0


def dashboard(session: Session, ctx: Context, who: Teller, slug: str) -> Dashboard:
    """The dashboard of ballot ``slug``."""
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
    )
