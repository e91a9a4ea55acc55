"""Opening batches of letters and finding the next letter a teller should key."""

from __future__ import annotations

from sqlmodel import Session

from ballotbox.core.errors import InputError, LifecycleError
from ballotbox.core.i18n import N_
from ballotbox.services import Context
from ballotbox.services.accounts import require
from ballotbox.services.postal import actions, queries
from ballotbox.services.postal.errors import UnknownBatchError
from ballotbox.services.roles import Permission
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.models_postal import BatchKind, PostalBatch, PostalLetter, Teller

MAX_LETTERS = 100_000
FINISHED = {ElectionState.COUNTED, ElectionState.PUBLISHED}


def open_batch(
    session: Session,
    ctx: Context,
    teller: Teller | None,
    election: Election,
    label: str,
    letters: int,
) -> PostalBatch:
    """Open a batch of ``letters`` letters, numbered 1..letters (supervisors and the officer)."""
    require(teller, Permission.OPEN_BATCH)
    label = " ".join(label.split())
    if not label or len(label) > 200:
        raise InputError(
            N_("Give the batch a label of 1-200 characters, e.g. “post of 3 Dec, bag 2”.")
        )
    if not 1 <= letters <= MAX_LETTERS:
        raise InputError(
            N_("A batch holds 1 to {most} letters, not {n}."), most=MAX_LETTERS, n=letters
        )
    if election.state in FINISHED:
        raise LifecycleError(state=election.state, action=N_("opening a postal batch"))
    assert election.id is not None
    batch = PostalBatch(
        election_id=election.id,
        label=label,
        kind=BatchKind.POST,
        letters=letters,
        opened_by=teller.id if teller else None,
        opened_at=ctx.clock.now(),
    )
    session.add(batch)
    session.flush()
    assert batch.id is not None
    session.add_all(PostalLetter(batch_id=batch.id, number=n) for n in range(1, letters + 1))
    actions.record(
        session,
        ctx,
        teller.id if teller else None,
        "batch_opened",
        batch_id=batch.id,
        detail=f"{letters} letters",
    )
    session.flush()
    return batch


def get_batch(session: Session, election: Election, batch_id: int) -> PostalBatch:
    """Batch ``batch_id`` of ``election``, or UnknownBatchError."""
    batch = queries.batch(session, batch_id)
    if batch is None or batch.election_id != election.id:
        raise UnknownBatchError(batch=batch_id)
    return batch


def next_letter(session: Session, batch: PostalBatch, teller: Teller) -> int | None:
    """The lowest-numbered letter ``teller`` can key next, or None when none is left for them."""
    assert batch.id is not None and teller.id is not None
    mine = queries.keyed_by(session, batch.id, teller.id)
    counts = queries.entry_counts(session, batch.id)
    for letter in queries.open_letters(session, batch.id):
        if letter.number not in mine and counts.get(letter.number, 0) < 2:
            return letter.number
    return None


def remaining_for(session: Session, batch: PostalBatch, teller: Teller) -> int:
    """How many letters of the batch ``teller`` could still key."""
    assert batch.id is not None and teller.id is not None
    mine = queries.keyed_by(session, batch.id, teller.id)
    counts = queries.entry_counts(session, batch.id)
    return sum(
        1
        for letter in queries.open_letters(session, batch.id)
        if letter.number not in mine and counts.get(letter.number, 0) < 2
    )
