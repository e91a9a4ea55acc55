"""Queries for the officers' housekeeping: the action log, usage counters, removing rows.

Kept beside :mod:`ballotbox.storage.repository` (every other query) so that
module stays one idea; services call these, nothing else builds queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from ballotbox.storage import rawsql
from ballotbox.storage.models import (
    Candidate,
    ChainHead,
    Checkpoint,
    Contest,
    Election,
    LogEntry,
    PublishedFile,
)
from ballotbox.storage.models_actions import OfficerAction, UsageCounter
from ballotbox.storage.models_members import CardIssue, CardRun, RegisteredMember
from ballotbox.storage.models_postal import BatchKind, PostalBatch


def add_action(
    session: Session, at: datetime, actor: str, action: str, slug: str | None, detail: str
) -> OfficerAction:
    """Append one entry to the officer action log."""
    entry = OfficerAction(at=at, actor=actor, action=action, slug=slug, detail=detail)
    session.add(entry)
    return entry


def actions(
    session: Session, slug: str | None = None, action: str | None = None
) -> Sequence[OfficerAction]:
    """The officer action log (for one ballot and/or one kind of action), oldest first."""
    query = select(OfficerAction)
    if slug is not None:
        query = query.where(OfficerAction.slug == slug)
    if action is not None:
        query = query.where(OfficerAction.action == action)
    return session.exec(query.order_by(col(OfficerAction.id))).all()


def add_usage(session: Session, scope: str, kind: str, amount: int) -> None:
    """Add ``amount`` to the election's counter of ``kind`` (an upsert, safe under races)."""
    add_usages(session, [(scope, kind, amount)])


def add_usages(session: Session, amounts: Sequence[tuple[str, str, int]]) -> None:
    """Add each (scope, kind, amount) to its counter, in one upsert statement.

    The texts of a batch of casts are counted here as the batch commits, so it
    goes on the driver's cursor (:mod:`rawsql`), like the batch's other statements."""
    totals: dict[tuple[str, str], int] = {}
    for scope, kind, amount in amounts:
        if amount > 0:
            totals[(scope, kind)] = totals.get((scope, kind), 0) + amount
    if not totals:
        return
    sql = _ADD_USAGES.format(rows=rawsql.rows(len(totals), 3))
    rawsql.execute(
        session, sql, [v for (scope, kind), n in totals.items() for v in (scope, kind, n)]
    )


_ADD_USAGES = (
    "INSERT INTO usage_counter (scope, kind, count) VALUES {rows} "
    "ON CONFLICT (scope, kind) DO UPDATE SET count = usage_counter.count + excluded.count"
)


def usage(session: Session, scope: str) -> dict[str, int]:
    """The election's usage counters by kind."""
    rows = session.exec(
        select(UsageCounter.kind, UsageCounter.count).where(UsageCounter.scope == scope)
    ).all()
    return {kind: count for kind, count in rows}


def member(session: Session, election_id: int, member_id: int) -> RegisteredMember | None:
    """The registered member with id ``member_id`` on this election's registers, or None."""
    found = session.get(RegisteredMember, member_id)
    return found if found is not None and found.election_id == election_id else None


def move_card_issues(session: Session, from_member: int, to_member: int) -> None:
    """Give ``to_member`` the card hand-outs recorded for ``from_member`` (same nth)."""
    for issue in session.exec(select(CardIssue).where(CardIssue.member_id == from_member)).all():
        moved = CardIssue(**{**issue.model_dump(), "member_id": to_member})
        session.delete(issue)
        session.flush()
        session.add(moved)
    session.flush()


def delete_member(session: Session, row: RegisteredMember) -> None:
    """Delete a registered member (who has no card recorded)."""
    session.delete(row)


def postal_batches(session: Session, election_id: int) -> int:
    """How many postal batches the election has."""
    return session.exec(
        select(func.count()).select_from(PostalBatch).where(PostalBatch.election_id == election_id)
    ).one()


def letters_received(session: Session, election_id: int) -> int:
    """Letters received in the election's postal batches (not voicemail recordings)."""
    total = session.exec(
        select(func.coalesce(func.sum(PostalBatch.letters), 0)).where(
            PostalBatch.election_id == election_id, PostalBatch.kind == BatchKind.POST
        )
    ).one()
    return int(total)


def delete_election_rows(session: Session, election: Election) -> None:
    """Delete a draft election and every row that belongs to it (it has no tokens or ballots)."""
    assert election.id is not None
    eid = election.id
    member_ids = select(RegisteredMember.id).where(RegisteredMember.election_id == eid)
    session.execute(delete(CardIssue).where(col(CardIssue.member_id).in_(member_ids)))
    for model in (
        RegisteredMember,
        CardRun,
        Candidate,
        Contest,
        LogEntry,
        ChainHead,
        Checkpoint,
        PublishedFile,
    ):
        session.execute(delete(model).where(col(model.election_id) == eid))
    session.execute(delete(UsageCounter).where(col(UsageCounter.scope) == election.slug))
    session.delete(election)
    session.flush()


def clear_contests(session: Session, election_id: int) -> None:
    """Delete a draft's contest and candidate rows (they are listed again from its definition)."""
    session.execute(delete(Candidate).where(col(Candidate.election_id) == election_id))
    session.execute(delete(Contest).where(col(Contest.election_id) == election_id))
    session.flush()


def clear_chain(session: Session, election_id: int) -> None:
    """Delete a draft's hash chain (only its ``created`` entry) so it can be started again."""
    session.execute(delete(LogEntry).where(col(LogEntry.election_id) == election_id))
    session.execute(delete(ChainHead).where(col(ChainHead.election_id) == election_id))
    session.flush()
