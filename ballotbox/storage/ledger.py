"""Appending to an election's hash chain, inside the caller's transaction.

:func:`append_ballots` is the casting path: it stores a batch of ballots,
marks their tokens voted and extends the chain in a single statement on
PostgreSQL (one round trip while the chain head is locked), in four on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from ballotbox.core.audit.chain import GENESIS, canonical_json, link
from ballotbox.storage import repository
from ballotbox.storage.models import Ballot, BallotToken, ChainHead, LogEntry, TokenState


@dataclass(frozen=True)
class NewBallot:
    """One ballot to store: its token's row (locked) and digits, channel, choices (JSON)."""

    row: BallotToken
    token: str
    channel: str
    choices: str


def start_chain(session: Session, election_id: int) -> None:
    """Create the empty chain of a new election."""
    session.add(ChainHead(election_id=election_id, length=0, head=GENESIS, ballots=0))


def append(session: Session, election_id: int, payload: dict[str, Any]) -> tuple[int, bytes]:
    """Add ``payload`` as the next entry; return its position and the new head."""
    return append_many(session, election_id, [payload])[0]


def append_many(
    session: Session,
    election_id: int,
    payloads: Sequence[dict[str, Any]],
    *,
    locked: ChainHead | None = None,
) -> list[tuple[int, bytes]]:
    """Add ``payloads`` as the next entries, in order; return each one's position and head.

    The head row is locked for the rest of the transaction, so entries from
    concurrent transactions are linked one after another, never forked.
    ``locked``: the head, if this transaction has already locked it.
    """
    head = locked or repository.chain_head(session, election_id, for_update=True)
    linked: list[tuple[int, bytes]] = []
    for payload in payloads:
        position = head.length
        entry_hash = link(head.head, position, payload)
        session.add(
            LogEntry(
                election_id=election_id,
                position=position,
                kind=str(payload["kind"]),
                payload=canonical_json(payload).decode(),
                entry_hash=entry_hash,
            )
        )
        head.length = position + 1
        head.head = entry_hash
        if payload["kind"] == "ballot":
            head.ballots += 1
        linked.append((position, entry_hash))
    session.add(head)
    return linked


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def append_ballots(
    session: Session,
    head: ChainHead,
    ballots: Sequence[NewBallot],
    payloads: Sequence[dict[str, Any]],
) -> list[tuple[int, bytes]]:
    """Store ``ballots``, mark their tokens voted, append ``payloads`` (one per ballot).

    ``head`` is the election's chain head, locked by this transaction.  Written
    with Core statements rather than the ORM's unit of work: on PostgreSQL one
    statement (writable CTEs), on SQLite four.  A ballot already stored for a
    token raises IntegrityError and the caller's transaction must roll back.
    Returns each entry's position and hash, as :func:`append_many` does.
    """
    election_id = head.election_id
    linked: list[tuple[int, bytes]] = []
    entries: list[dict[str, Any]] = []
    length, previous = head.length, head.head
    for payload in payloads:
        entry_hash = link(previous, length, payload)
        entries.append(
            {
                "election_id": election_id,
                "position": length,
                "kind": str(payload["kind"]),
                "payload": canonical_json(payload).decode(),
                "entry_hash": entry_hash,
            }
        )
        linked.append((length, entry_hash))
        length, previous = length + 1, entry_hash
    ballot_count = head.ballots + sum(1 for p in payloads if p["kind"] == "ballot")
    rows = [
        {
            "token_hash": b.row.token_hash,
            "election_id": election_id,
            "token": b.token,
            "channel": b.channel,
            "choices": b.choices,
        }
        for b in ballots
    ]
    token, chain = _table(BallotToken), _table(ChainHead)
    statements = [
        insert(_table(Ballot)).values(rows),
        update(token)
        .where(token.c.token_hash.in_([b.row.token_hash for b in ballots]))
        .values(state=TokenState.VOTED),
        insert(_table(LogEntry)).values(entries),
    ]
    moved = (
        update(chain)
        .where(chain.c.election_id == election_id)
        .values(length=length, head=previous, ballots=ballot_count)
    )
    if session.get_bind().dialect.name == "postgresql":
        ctes = [s.cte(f"w{i}") for i, s in enumerate(statements)]
        session.execute(moved.add_cte(*ctes))
    else:
        for statement in [*statements, moved]:
            session.execute(statement)
    # The session's copies as the database now holds them (not pending changes to flush).
    for name, value in (("length", length), ("head", previous), ("ballots", ballot_count)):
        set_committed_value(head, name, value)
    for b in ballots:
        set_committed_value(b.row, "state", TokenState.VOTED)
    return linked
