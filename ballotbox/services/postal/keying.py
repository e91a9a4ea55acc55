"""Double entry: two tellers key each letter; agreement casts, disagreement goes to a supervisor.

A letter is resolved exactly once, in the transaction of the entry that
settles it: the second entry when the two agree, or the adjudication.  On
resolution the agreed (or adjudicated) version is cast through ``cast()``
(channel ``postal``; ``phone`` for voicemail), or the letter is recorded as
spoilt, or as rejected with the reason ``cast()`` gave (unknown, spent or void
token, voting not open).  Then every entry's sealed text is deleted: the
tables keep who keyed which letter and the outcome, never what was keyed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ballotbox.core.errors import InputError, NotFoundError, StateError
from ballotbox.core.i18n import N_
from ballotbox.services import Context
from ballotbox.services.accounts import require
from ballotbox.services.casting import cast
from ballotbox.services.postal import actions, queries
from ballotbox.services.postal.errors import KeyingError, PermissionDeniedError
from ballotbox.services.postal.matching import Keyed, agree, differences
from ballotbox.services.postal.sealing import entry_key, seal, unseal
from ballotbox.services.roles import Permission
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import (
    BatchKind,
    LetterStatus,
    PostalBatch,
    PostalEntry,
    PostalLetter,
    Teller,
)

NONCE_BYTES = 24


@dataclass(frozen=True)
class Outcome:
    """What happened to a letter after an entry: still waiting, disputed, or resolved."""

    number: int
    stage: str  # first (waiting for a second entry), disputed, resolved
    status: str  # the letter's status afterwards
    reason: str = ""


def _key(ctx: Context, election: Election) -> bytes:
    return entry_key(ctx.keys.signing_key(election.slug).encode())


def _sealed(ctx: Context, election: Election, keyed: Keyed) -> bytes:
    return seal(_key(ctx, election), keyed, ctx.random_bytes(NONCE_BYTES))


def _letter(session: Session, batch: PostalBatch, number: int) -> PostalLetter:
    assert batch.id is not None
    letter = queries.letter(session, batch.id, number, for_update=True)
    if letter is None:
        raise KeyingError(
            N_("Batch “{label}” has letters 1 to {n}; there is no letter {number}."),
            label=batch.label,
            n=batch.letters,
            number=number,
        )
    if letter.status != LetterStatus.PENDING:
        raise KeyingError(
            N_("Letter {number} is already done ({status})."), number=number, status=letter.status
        )
    return letter


def submit_entry(
    session: Session, ctx: Context, teller: Teller, batch: PostalBatch, number: int, keyed: Keyed
) -> Outcome:
    """Store one teller's entry for a letter; resolve the letter if this is the agreeing second."""
    require(teller, Permission.KEY)
    assert teller.id is not None and batch.id is not None
    letter = _letter(session, batch, number)
    if letter.disputed:
        raise KeyingError(
            N_("Letter {number} is waiting for a supervisor to adjudicate it."), number=number
        )
    existing = list(queries.entries(session, batch.id, number))
    if any(e.teller_id == teller.id for e in existing):
        raise KeyingError(
            N_(
                "You have already keyed letter {number}; "
                "a different teller keys it the second time."
            ),
            number=number,
        )
    if len(existing) >= 2:
        raise KeyingError(N_("Letter {number} has been keyed twice already."), number=number)
    election = _election(session, batch)
    stage = "first" if not existing else "second"
    session.add(
        PostalEntry(
            batch_id=batch.id,
            letter_number=number,
            teller_id=teller.id,
            stage=stage,
            sealed=_sealed(ctx, election, keyed),
        )
    )
    actions.record(
        session, ctx, teller.id, "keyed", batch_id=batch.id, letter=number, detail=f"{stage} entry"
    )
    if stage == "first":
        session.flush()
        return Outcome(number, "first", LetterStatus.PENDING)
    first = unseal(_key(ctx, election), existing[0].sealed or b"")
    if agree(first, keyed):
        return resolve(session, ctx, election, batch, letter, keyed)
    letter.disputed = True
    session.add(letter)
    actions.record(
        session,
        ctx,
        None,
        "disputed",
        batch_id=batch.id,
        letter=number,
        detail="entries differ in " + " and ".join(differences(first, keyed)),
    )
    session.flush()
    return Outcome(number, "disputed", LetterStatus.PENDING)


def _election(session: Session, batch: PostalBatch) -> Election:
    election = session.get(Election, batch.election_id)
    assert election is not None
    return election


@dataclass(frozen=True)
class Dispute:
    """What an adjudicating supervisor sees: the two entries side by side."""

    batch: PostalBatch
    number: int
    first: Keyed
    second: Keyed
    differ: list[str]
    recording_ref: str | None


def dispute(
    session: Session, ctx: Context, supervisor: Teller, batch: PostalBatch, number: int
) -> Dispute:
    """The two disagreeing entries of a letter, for a supervisor who keyed neither."""
    require(supervisor, Permission.ADJUDICATE)
    letter = _letter(session, batch, number)
    assert batch.id is not None
    entries = list(queries.entries(session, batch.id, number))
    if not letter.disputed or len(entries) != 2:
        raise KeyingError(N_("Letter {number} is not waiting for adjudication."), number=number)
    _not_own(supervisor, entries, number)
    key = _key(ctx, _election(session, batch))
    first, second = (unseal(key, e.sealed or b"") for e in entries)
    return Dispute(batch, number, first, second, differences(first, second), letter.recording_ref)


def _not_own(supervisor: Teller, entries: list[PostalEntry], number: int) -> None:
    if any(e.teller_id == supervisor.id for e in entries):
        raise PermissionDeniedError(
            N_("You keyed letter {number} yourself, so another supervisor must adjudicate it."),
            number=number,
        )


def adjudicate(
    session: Session,
    ctx: Context,
    supervisor: Teller,
    batch: PostalBatch,
    number: int,
    final: Keyed,
) -> Outcome:
    """Settle a disputed letter with the supervisor's own keying of it."""
    require(supervisor, Permission.ADJUDICATE)
    assert supervisor.id is not None and batch.id is not None
    letter = _letter(session, batch, number)
    entries = list(queries.entries(session, batch.id, number))
    if not letter.disputed:
        raise KeyingError(N_("Letter {number} is not waiting for adjudication."), number=number)
    _not_own(supervisor, entries, number)
    election = _election(session, batch)
    session.add(
        PostalEntry(
            batch_id=batch.id,
            letter_number=number,
            teller_id=supervisor.id,
            stage="final",
            sealed=_sealed(ctx, election, final),
        )
    )
    actions.record(
        session,
        ctx,
        supervisor.id,
        "adjudicated",
        batch_id=batch.id,
        letter=number,
        detail="final version keyed",
    )
    return resolve(session, ctx, election, batch, letter, final)


def resolve(
    session: Session,
    ctx: Context,
    election: Election,
    batch: PostalBatch,
    letter: PostalLetter,
    keyed: Keyed,
) -> Outcome:
    """Cast, spoil or reject the letter, then delete every trace of what was keyed."""
    assert batch.id is not None
    if keyed.spoilt:
        letter.status, letter.reason = LetterStatus.SPOILT, keyed.spoilt
    else:
        channel = "phone" if batch.kind == BatchKind.VOICEMAIL else "postal"
        savepoint = session.begin_nested()
        try:
            cast(
                session,
                ctx,
                keyed.token or "",
                keyed.for_cast(),
                channel,
                election_slug=election.slug,
                received_at=batch.opened_at,  # in time if the bag came in before the close
            )
        except (NotFoundError, StateError) as error:
            savepoint.rollback()
            letter.status, letter.reason = LetterStatus.REJECTED, error.code
        except InputError:
            savepoint.rollback()  # read_entry validated the choices, so this is a definition change
            letter.status, letter.reason = LetterStatus.SPOILT, "ambiguous"
        else:
            savepoint.commit()
            letter.status, letter.reason = LetterStatus.ACCEPTED, ""
    letter.disputed = False
    letter.recording_ref = None
    session.add(letter)
    for entry in queries.entries(session, batch.id, letter.number):
        entry.sealed = None
        session.add(entry)
    actions.record(
        session,
        ctx,
        None,
        "resolved",
        batch_id=batch.id,
        letter=letter.number,
        detail=letter.status,
    )
    session.flush()
    return Outcome(letter.number, "resolved", letter.status, letter.reason)
