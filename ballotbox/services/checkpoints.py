"""Checkpoints: the chain head signed at intervals while the poll is open, and at the close.

A checkpoint signs a head, its position and the number of ballot entries so
far: nothing the log does not already show, so it reveals no casting order.
Observers copy them from the live audit page; a log rewritten later would
contradict the copies they kept.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from ballotbox.core.audit.chain import canonical_json
from ballotbox.core.audit.receipts import make_checkpoint
from ballotbox.core.errors import LifecycleError
from ballotbox.core.i18n import N_
from ballotbox.services import continuity
from ballotbox.services import elections as lifecycle
from ballotbox.services.context import Context
from ballotbox.storage import repository
from ballotbox.storage.models import Checkpoint, Election, ElectionState

CHECKPOINT_STATES = {ElectionState.OPEN, ElectionState.CLOSED, ElectionState.COUNTED}


def sign(
    session: Session,
    ctx: Context,
    election: Election,
    *,
    at: datetime | None = None,
    checked: bool = False,
) -> Checkpoint:
    """Sign the current head of ``election``'s chain (or return the checkpoint already there).

    Never on a chain that does not extend the head witnessed outside the
    database (``checked`` when the caller has just settled that itself).
    """
    assert election.id is not None
    if not checked:
        continuity.require_continuity(session, ctx, election)
    head = repository.chain_head(session, election.id, for_update=True)
    position = head.length - 1
    latest = repository.latest_checkpoint(session, election.id)
    if latest is not None and latest.position == position:
        return latest
    moment = at or ctx.clock.now()
    envelope = make_checkpoint(
        ctx.keys.signing_key(election.slug),
        election=election.slug,
        position=position,
        head=head.head,
        ballots=head.ballots,
        time=lifecycle.iso(moment),
    )
    checkpoint = Checkpoint(
        election_id=election.id,
        position=position,
        ballots=head.ballots,
        signed_at=moment,
        envelope=canonical_json(envelope).decode(),
    )
    session.add(checkpoint)
    session.flush()
    continuity.witness_after_commit(session, ctx, election, position, head.head, envelope)
    return checkpoint


def checkpoint_now(session: Session, ctx: Context, election: Election) -> Checkpoint:
    """The officer's ``ballotbox checkpoint``: sign the head now, if the election is under way."""
    if election.state not in CHECKPOINT_STATES:
        raise LifecycleError(
            N_("“{slug}” is {state}: checkpoints are signed from opening until publication."),
            slug=election.slug,
            state=election.state,
        )
    return sign(session, ctx, election)


def is_due(session: Session, ctx: Context, election: Election) -> bool:
    """True when enough entries or enough time have passed since the last checkpoint."""
    assert election.id is not None
    head = repository.chain_head(session, election.id)
    latest = repository.latest_checkpoint(session, election.id)
    if latest is None:
        return True
    new_entries = head.length - 1 - latest.position
    if new_entries <= 0:
        return False
    settings = ctx.settings
    if new_entries >= settings.checkpoint_every_entries:
        return True
    waited = ctx.clock.now() - lifecycle.aware(latest.signed_at)
    return waited >= timedelta(minutes=settings.checkpoint_every_minutes)


def sign_due(session: Session, ctx: Context) -> list[str]:
    """Sign a checkpoint for every open election that is due one; return their slugs."""
    signed = []
    for election in repository.elections(session, [ElectionState.OPEN]):
        if is_due(session, ctx, election) and continuity.gap(session, ctx, election) is None:
            sign(session, ctx, election)
            signed.append(election.slug)
    return signed


def envelopes(session: Session, election: Election) -> list[dict[str, Any]]:
    """The election's signed checkpoints, in log order, as published."""
    assert election.id is not None
    return [json.loads(c.envelope) for c in repository.checkpoints(session, election.id)]
