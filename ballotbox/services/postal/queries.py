"""Every postal query in one place; services call these, routes never build queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import (
    BatchKind,
    LetterStatus,
    PostalBatch,
    PostalEntry,
    PostalLetter,
    Teller,
    TellerAction,
    TellerSession,
)


def teller_by_username(session: Session, username: str) -> Teller | None:
    """The teller called ``username`` (case-insensitive), or None."""
    return session.exec(select(Teller).where(Teller.username == username.strip().lower())).first()


def teller_by_id(session: Session, teller_id: int) -> Teller | None:
    """The teller with ``teller_id``, or None."""
    return session.get(Teller, teller_id)


def tellers(session: Session) -> Sequence[Teller]:
    """Every teller account, by username."""
    return session.exec(select(Teller).order_by(col(Teller.username))).all()


def session_by_hash(session: Session, sid_hash: bytes) -> TellerSession | None:
    """The sign-in session whose id hashes to ``sid_hash``, or None."""
    return session.get(TellerSession, sid_hash)


def sessions_of(session: Session, teller_id: int) -> Sequence[TellerSession]:
    """Every sign-in session of one teller."""
    return session.exec(select(TellerSession).where(TellerSession.teller_id == teller_id)).all()


def expired_sessions(session: Session, now: datetime) -> Sequence[TellerSession]:
    """Sign-in sessions past their expiry."""
    return session.exec(select(TellerSession).where(col(TellerSession.expires_at) < now)).all()


def lock_election(session: Session, election_id: int) -> None:
    """Take the election row's lock (PostgreSQL) so per-election counters do not race."""
    session.exec(select(Election.id).where(Election.id == election_id).with_for_update()).first()


def batches(session: Session, election_id: int) -> Sequence[PostalBatch]:
    """The election's batches in the order they were opened."""
    return session.exec(
        select(PostalBatch)
        .where(PostalBatch.election_id == election_id)
        .order_by(col(PostalBatch.id))
    ).all()


def batch(session: Session, batch_id: int) -> PostalBatch | None:
    """One batch by id, or None."""
    return session.get(PostalBatch, batch_id)


def voicemail_batch(session: Session, election_id: int) -> PostalBatch | None:
    """The election's voicemail batch, if one was started."""
    return session.exec(
        select(PostalBatch)
        .where(PostalBatch.election_id == election_id, PostalBatch.kind == BatchKind.VOICEMAIL)
        .order_by(col(PostalBatch.id))
    ).first()


def letter(
    session: Session, batch_id: int, number: int, *, for_update: bool = False
) -> PostalLetter | None:
    """One letter of a batch (locked when ``for_update``), or None."""
    query = select(PostalLetter).where(
        PostalLetter.batch_id == batch_id, PostalLetter.number == number
    )
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def letters(session: Session, batch_id: int) -> Sequence[PostalLetter]:
    """Every letter of a batch, by number."""
    return session.exec(
        select(PostalLetter)
        .where(PostalLetter.batch_id == batch_id)
        .order_by(col(PostalLetter.number))
    ).all()


def entries(session: Session, batch_id: int, number: int) -> Sequence[PostalEntry]:
    """The entries of one letter, first entry first."""
    rows = session.exec(
        select(PostalEntry).where(
            PostalEntry.batch_id == batch_id, PostalEntry.letter_number == number
        )
    ).all()
    order = {"first": 0, "second": 1, "final": 2}
    return sorted(rows, key=lambda e: order.get(e.stage, 9))


def entry_counts(session: Session, batch_id: int) -> dict[int, int]:
    """Letter number → how many entries it has (letters without entries are absent)."""
    rows = session.exec(
        select(col(PostalEntry.letter_number), func.count())
        .where(PostalEntry.batch_id == batch_id)
        .group_by(col(PostalEntry.letter_number))
    ).all()
    return {number: count for number, count in rows}


def keyed_by(session: Session, batch_id: int, teller_id: int) -> set[int]:
    """The letter numbers of a batch that ``teller_id`` has keyed."""
    return set(
        session.exec(
            select(PostalEntry.letter_number).where(
                PostalEntry.batch_id == batch_id, PostalEntry.teller_id == teller_id
            )
        ).all()
    )


def open_letters(session: Session, batch_id: int) -> Sequence[PostalLetter]:
    """Pending letters of a batch that are still being keyed (not waiting for adjudication)."""
    return session.exec(
        select(PostalLetter)
        .where(
            PostalLetter.batch_id == batch_id,
            PostalLetter.status == LetterStatus.PENDING,
            col(PostalLetter.disputed).is_(False),
        )
        .order_by(col(PostalLetter.number))
    ).all()


def disputed_letters(
    session: Session, election_id: int | None = None
) -> Sequence[tuple[PostalLetter, PostalBatch]]:
    """The adjudication queue: letters whose two entries disagreed, oldest batch first."""
    query = (
        select(PostalLetter, PostalBatch)
        .join(PostalBatch, col(PostalBatch.id) == col(PostalLetter.batch_id))
        .where(PostalLetter.status == LetterStatus.PENDING, col(PostalLetter.disputed).is_(True))
        .order_by(col(PostalBatch.id), col(PostalLetter.number))
    )
    if election_id is not None:
        query = query.where(PostalBatch.election_id == election_id)
    return session.exec(query).all()


def letter_counts(session: Session, election_id: int) -> list[tuple[int, str, str, bool, int]]:
    """(batch id, status, reason, disputed, letters) for every batch of the election."""
    batch, status, reason, disputed = (
        col(PostalLetter.batch_id),
        col(PostalLetter.status),
        col(PostalLetter.reason),
        col(PostalLetter.disputed),
    )
    # Five columns: more than sqlmodel's select() overloads type, so the row type is spelt out.
    rows = session.exec(
        Select[int, str, str, bool, int](batch, status, reason, disputed, func.count())
        .join(PostalBatch, col(PostalBatch.id) == col(PostalLetter.batch_id))
        .where(PostalBatch.election_id == election_id)
        .group_by(batch, status, reason, disputed)
    ).all()
    return [(b, s, r, d, n) for b, s, r, d, n in rows]


def pending_with_entries(session: Session, election_id: int) -> dict[int, dict[int, int]]:
    """Batch id → {entries so far → pending letters}: how far keying has got."""
    counted = (
        select(col(PostalEntry.batch_id), col(PostalEntry.letter_number), func.count().label("n"))
        .group_by(col(PostalEntry.batch_id), col(PostalEntry.letter_number))
        .subquery()
    )
    rows = session.exec(
        select(col(PostalLetter.batch_id), counted.c.n, func.count())
        .join(PostalBatch, col(PostalBatch.id) == col(PostalLetter.batch_id))
        .outerjoin(
            counted,
            (counted.c.batch_id == PostalLetter.batch_id)
            & (counted.c.letter_number == PostalLetter.number),
        )
        .where(
            PostalBatch.election_id == election_id,
            PostalLetter.status == LetterStatus.PENDING,
            col(PostalLetter.disputed).is_(False),
        )
        .group_by(col(PostalLetter.batch_id), counted.c.n)
    ).all()
    result: dict[int, dict[int, int]] = {}
    for batch_id, entries_so_far, count in rows:
        by_entries = result.setdefault(batch_id, {})
        by_entries[int(entries_so_far or 0)] = by_entries.get(int(entries_so_far or 0), 0) + count
    return result


def pending_count(session: Session, election_id: int) -> int:
    """Letters of the election not yet accepted, spoilt or rejected."""
    return session.exec(
        select(func.count())
        .select_from(PostalLetter)
        .join(PostalBatch, col(PostalBatch.id) == col(PostalLetter.batch_id))
        .where(PostalBatch.election_id == election_id, PostalLetter.status == LetterStatus.PENDING)
    ).one()


def actions(
    session: Session, *, batch_ids: Sequence[int] | None = None, limit: int = 500
) -> Sequence[TellerAction]:
    """The newest teller actions (optionally only those on ``batch_ids``), newest first."""
    query = select(TellerAction).order_by(col(TellerAction.id).desc()).limit(limit)
    if batch_ids is not None:
        query = query.where(col(TellerAction.batch_id).in_(list(batch_ids)))
    return session.exec(query).all()
