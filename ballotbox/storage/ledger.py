"""Appending to an election's hash chain, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from ballotbox.core.audit.chain import GENESIS, canonical_json, link
from ballotbox.storage import repository
from ballotbox.storage.models import ChainHead, LogEntry


def start_chain(session: Session, election_id: int) -> None:
    """Create the empty chain of a new election."""
    session.add(ChainHead(election_id=election_id, length=0, head=GENESIS, ballots=0))


def append(session: Session, election_id: int, payload: dict[str, Any]) -> tuple[int, bytes]:
    """Add ``payload`` as the next entry; return its position and the new head."""
    return append_many(session, election_id, [payload])[0]


def append_many(
    session: Session, election_id: int, payloads: Sequence[dict[str, Any]]
) -> list[tuple[int, bytes]]:
    """Add ``payloads`` as the next entries, in order; return each one's position and head.

    The head row is locked for the rest of the transaction, so entries from
    concurrent transactions are linked one after another, never forked.
    """
    head = repository.chain_head(session, election_id, for_update=True)
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
