"""Voicemail: recordings from the phone channel become items of the election's voicemail batch.

The phone channel hands each message left by a member who could not finish on
the keypad to :func:`file_message` (the context's ``voicemail_sink``), which
calls :func:`enqueue_voicemail`.  The item is keyed twice like a
letter (tellers listen to the recording) and its agreed version is cast with
channel ``phone``.  The recording reference is deleted from the item when the
item is resolved; deleting the recording itself is the phone channel's job.
"""

from __future__ import annotations

from sqlmodel import Session

from ballotbox.core.errors import ElectionNotOpenError, InputError
from ballotbox.core.i18n import N_
from ballotbox.services import Context
from ballotbox.services.elections import definition_of, effective_state
from ballotbox.services.postal import actions, queries
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.models_postal import BatchKind, PostalBatch, PostalLetter

LABEL = "Voicemail"
MAX_REF = 500


def enqueue_voicemail(
    session: Session, ctx: Context, election: Election, recording_ref: str
) -> None:
    """File a recording as the next item of ``election``'s voicemail batch (made on first use)."""
    ref = recording_ref.strip()
    if not ref or len(ref) > MAX_REF:
        raise InputError(N_("A recording reference is 1 to {most} characters."), most=MAX_REF)
    assert election.id is not None
    if effective_state(election, ctx.clock.now()) != ElectionState.OPEN:
        # A message left after the close is late, like a letter that arrives late.
        raise ElectionNotOpenError(N_("Voting has closed; this message cannot be counted."))
    queries.lock_election(session, election.id)  # two messages at once get different numbers
    batch = queries.voicemail_batch(session, election.id)
    if batch is None:
        batch = PostalBatch(
            election_id=election.id,
            label=LABEL,
            kind=BatchKind.VOICEMAIL,
            letters=0,
            opened_at=ctx.clock.now(),
        )
        session.add(batch)
        session.flush()
        actions.record(
            session, ctx, None, "batch_opened", batch_id=batch.id, detail="voicemail batch"
        )
    assert batch.id is not None
    batch.letters += 1
    session.add(batch)
    session.add(PostalLetter(batch_id=batch.id, number=batch.letters, recording_ref=ref))
    actions.record(session, ctx, None, "voicemail_filed", batch_id=batch.id, letter=batch.letters)
    session.flush()


def file_message(
    session: Session, ctx: Context, election_slug: str | None, recording_ref: str
) -> None:
    """The phone channel's voicemail hand-off, filing a recording in the tellers' queue.

    A call that named its ballot (from the menu of open ballots, or by token)
    files into that election's voicemail batch.  One that did not (one ballot
    open, or a caller who could not choose) files into every ballot open on
    the phone line: a message is never dropped, and the tellers of a ballot it
    is not for find its token refused ("not issued for this election"), so it
    counts once.  Wired as the context's ``voicemail_sink``.
    """
    if election_slug is not None:
        enqueue_voicemail(
            session, ctx, repository.election_by_slug(session, election_slug), recording_ref
        )
        return
    now = ctx.clock.now()
    on_line = [
        e for e in repository.elections(session, [ElectionState.OPEN])
        if effective_state(e, now) == ElectionState.OPEN and "phone" in definition_of(e).channels
    ]  # fmt: skip
    if not on_line:
        raise ElectionNotOpenError(N_("Voting has closed; this message cannot be counted."))
    for election in on_line:
        enqueue_voicemail(session, ctx, election, recording_ref)
