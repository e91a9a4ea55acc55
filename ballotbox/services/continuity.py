"""Continuity: a database restored from an older backup never silently takes votes again.

Every commit that moves an election's chain on records the new head in the
witness file outside the database (:mod:`ballotbox.storage.witness`).  Before
anything is appended to the chain (a cast, opening, closing, a checkpoint,
the count, publication), the database's chain must *extend* that head: reach
its position and hold the same entry there.  A restored database that does
not is on hold: casts get :class:`VotingPausedError`, the officer's commands
:class:`ChainBehindError`, and the clock's automatic open and close wait.

The hold ends when a newer backup is restored, or when the officer accepts
the loss with a reason: a ``restored`` entry goes into the chain (so the
published log says what happened and why) and a new checkpoint replaces the
witness.  Observers who saved a checkpoint during the poll will still see the
published log fail to extend it (``ballotbox-verify --checkpoint``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ballotbox.core.audit.receipts import open_checkpoint
from ballotbox.core.errors import ChainBehindError, InputError, VotingPausedError
from ballotbox.core.i18n import N_
from ballotbox.services.context import Context
from ballotbox.storage import ledger, repository
from ballotbox.storage.aftercommit import after_commit
from ballotbox.storage.models import Election
from ballotbox.storage.witness import Witness, read_witness, record

REASON_MAX = 500


@dataclass(frozen=True)
class Gap:
    """How an election's chain in this database falls short of the head witnessed outside it."""

    slug: str
    witnessed: Witness
    length: int  # entries in this database's chain

    @property
    def diverged(self) -> bool:
        """True when the chain reaches the witnessed position but holds another entry there."""
        return self.length > self.witnessed.position

    def describe(self) -> str:
        """One sentence for the officer."""
        w = self.witnessed
        where = f"entry {w.position} (head {w.head[:16]}…)"
        if self.diverged:
            text = (
                f"this database's chain holds a different {where} from the one committed "
                "earlier on this host, so it was restored from another line of backups."
            )
        else:
            text = (
                f"this database's chain ends at entry {self.length - 1}, but {where} was "
                "committed earlier on this host, so it was restored from an older backup."
            )
        body = (w.checkpoint or {}).get("body")
        if body:
            text += (
                f" The last signed checkpoint seen here is at entry {body['position']} "
                f"({body['ballots']} ballots, {body['time']})."
            )
        return text


def gap(session: Session, ctx: Context, election: Election) -> Gap | None:
    """The gap between this database and the witnessed head, or None when the chain extends it."""
    assert election.id is not None
    witnessed = _witnessed(ctx, election)
    if witnessed is None:
        return None
    # One round trip: the tip and the entry at the witnessed position (read even when the
    # tip is that entry; _compare then uses the head).
    tip = repository.chain_tip_with_entry(session, election.id, witnessed.position)
    length, head, at_witness = tip if tip is not None else (0, b"", None)
    return _compare(witnessed, length, head, at_witness)


def lock_head(
    session: Session, ctx: Context, election: Election
) -> tuple[repository.LockedHead, Gap | None]:
    """Lock ``election``'s chain head for appending, with its gap (as :func:`gap`), in one query."""
    assert election.id is not None
    witnessed = _witnessed(ctx, election)
    head, at_witness = repository.lock_chain_head(
        session, election.id, witnessed.position if witnessed is not None else None
    )
    if witnessed is None:
        return head, None
    return head, _compare(witnessed, head.length, head.head, at_witness)


def _witnessed(ctx: Context, election: Election) -> Witness | None:
    witnessed = read_witness(ctx.keys.folder(election.slug))
    return witnessed if witnessed is not None and witnessed.election == election.slug else None


def _compare(witnessed: Witness, length: int, head: bytes, at_witness: bytes | None) -> Gap | None:
    """The gap, from the chain's ``length``, ``head`` and its entry at the witnessed position."""
    if length - 1 == witnessed.position:
        found: bytes | None = head
    elif length - 1 > witnessed.position:
        found = at_witness
    else:
        found = None
    if found is not None and found.hex() == witnessed.head:
        return None
    return Gap(witnessed.election, witnessed, length)


def require_continuity(session: Session, ctx: Context, election: Election) -> None:
    """Raise :class:`ChainBehindError` unless the chain extends the witnessed head."""
    found = gap(session, ctx, election)
    if found is not None:
        raise ChainBehindError(slug=election.slug, detail=found.describe())


def paused(session: Session, ctx: Context, election: Election) -> VotingPausedError | None:
    """The error a voter gets while ``election`` is on hold, or None when it is not."""
    return VotingPausedError() if gap(session, ctx, election) is not None else None


def witness_after_commit(
    session: Session,
    ctx: Context,
    election: Election,
    position: int,
    head: bytes,
    checkpoint: dict[str, Any] | None = None,
    *,
    replace: bool = False,
) -> None:
    """Once this transaction commits, record ``head`` at ``position`` as the election's witness."""
    folder = ctx.keys.folder(election.slug)
    update = Witness(election.slug, position, head.hex(), checkpoint)
    key = ("witness", str(folder), "checkpoint" if checkpoint else "head")

    def write() -> None:
        record(folder, update, replace=replace)

    after_commit(session, key, write)


def override(session: Session, ctx: Context, election: Election, reason: str) -> Gap:
    """Accept a restored database that is behind its witness: log why, sign, reset the witness."""
    from ballotbox.services import checkpoints  # noqa: PLC0415 - checkpoints calls back into here

    assert election.id is not None
    reason = " ".join(reason.split())
    if not reason:
        raise InputError(N_("Say why the loss is accepted: --reason “…”."))
    if len(reason) > REASON_MAX:
        raise InputError(N_("Keep the reason under {limit} characters."), limit=REASON_MAX)
    found = gap(session, ctx, election)
    if found is None:
        raise InputError(
            N_("“{slug}” is not on hold: its chain extends every head recorded on this host."),
            slug=election.slug,
        )
    from ballotbox.services.elections import iso  # noqa: PLC0415 - elections imports this module

    witnessed = found.witnessed
    position, head = ledger.append(
        session,
        election.id,
        {
            "kind": "restored",
            "reason": reason,
            "missing": {"position": witnessed.position, "head": witnessed.head},
            "entries": found.length,
            "time": iso(ctx.clock.now()),
        },
    )
    witness_after_commit(session, ctx, election, position, head, replace=True)
    checkpoints.sign(session, ctx, election, checked=True)
    return found


def adopt_checkpoints(ctx: Context, slug: str, statements: list[Any]) -> int | None:
    """Take the newest of ``statements`` (checkpoints observers saved) as the witness.

    Used after a restore onto a host whose own witness was lost with it.  Only
    checkpoints signed by the election's key count; returns the position adopted.
    """
    key = ctx.keys.signing_key(slug).verify_key
    newest: dict[str, Any] | None = None
    for statement in statements:
        body = open_checkpoint(key, statement)
        if body is None or body.get("election") != slug:
            continue
        if newest is None or body["position"] > newest["body"]["position"]:
            newest = statement
    if newest is None:
        return None
    body = newest["body"]
    record(ctx.keys.folder(slug), Witness(slug, body["position"], body["head"], newest))
    return int(body["position"])
