"""Appending to an election's hash chain, inside the caller's transaction.

:func:`append_ballots` is the casting path: it stores a batch of ballots,
marks their tokens voted and extends the chain in a single statement on
PostgreSQL (one round trip while the chain head is locked, the same prepared
statement whatever the batch's size), in four on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from ballotbox.core.audit.chain import GENESIS, canonical_json, link
from ballotbox.storage import rawsql, repository
from ballotbox.storage.models import Ballot, BallotToken, ChainHead, LogEntry, TokenState


@dataclass(frozen=True)
class NewBallot:
    """One ballot to store: its token's row (locked) and digits, channel, choices (JSON)."""

    row: repository.TokenRow
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
    head: repository.LockedHead,
    ballots: Sequence[NewBallot],
    payloads: Sequence[dict[str, Any]],
) -> list[tuple[int, bytes]]:
    """Store ``ballots``, mark their tokens voted, append ``payloads`` (one per ballot).

    ``head`` is the election's chain head, locked by this transaction
    (:func:`repository.lock_chain_head`).  Written with plain statements rather than the
    ORM's unit of work: on PostgreSQL one statement on the driver's cursor (writable CTEs
    over the rows as JSON, see ``APPEND_PG``), on SQLite four.
    A ballot already stored for a token raises IntegrityError and the caller's
    transaction must roll back.
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
    if rawsql.on_postgresql(session):
        ballot_rows = [[b.row.token_hash.hex(), b.token, b.channel, b.choices] for b in ballots]
        entry_rows = [
            [e["position"], e["kind"], e["payload"], e["entry_hash"].hex()] for e in entries
        ]
        params = {
            "election_id": election_id,
            "ballots": json.dumps(ballot_rows),
            "entries": json.dumps(entry_rows),
            "voted": str(TokenState.VOTED),
            "length": length,
            "head": previous,
            "count": ballot_count,
        }
        try:
            rawsql.execute(session, APPEND_PG, params)
        except rawsql.driver_errors(session).IntegrityError as error:  # as SQLAlchemy raises it
            raise IntegrityError(APPEND_PG, params, error) from error
    else:
        _append_four(session, election_id, ballots, entries, (length, previous, ballot_count))
    # Any copies this session holds, as the database now has them (not pending changes).
    held = session.identity_map.get(Session.identity_key(ChainHead, election_id))
    if held is not None:
        for name, value in (("length", length), ("head", previous), ("ballots", ballot_count)):
            set_committed_value(held, name, value)
    for b in ballots:
        b.row.state = TokenState.VOTED
        token = session.identity_map.get(Session.identity_key(BallotToken, b.row.token_hash))
        if token is not None:
            set_committed_value(token, "state", TokenState.VOTED)
    return linked


# One statement whose text never changes with the size of the batch: the rows go in as two
# JSON arrays, so PostgreSQL prepares it once (a VALUES list of N rows is new SQL for every
# N).  JSON rather than SQL arrays: json.dumps is C, where the driver quotes every element of
# an array in Python.  The tokens are matched with ``= ANY(ARRAY(...))``, which uses the key;
# ``IN (SELECT ...)`` from the JSON would be planned as a scan of every token of every election.
APPEND_PG = """
    WITH given AS (
        SELECT decode(b ->> 0, 'hex') AS h, b ->> 1 AS t, b ->> 2 AS c, b ->> 3 AS v
        FROM json_array_elements(CAST(%(ballots)s AS json)) AS b
    ), stored AS (
        INSERT INTO ballot (token_hash, election_id, token, channel, choices)
        SELECT h, %(election_id)s, t, c, v FROM given
    ), spent AS (
        UPDATE ballot_token SET state = %(voted)s WHERE token_hash = ANY(ARRAY(SELECT h FROM given))
    ), linked AS (
        INSERT INTO log_entry (election_id, position, kind, payload, entry_hash)
        SELECT %(election_id)s, CAST(l ->> 0 AS integer), l ->> 1, l ->> 2, decode(l ->> 3, 'hex')
        FROM json_array_elements(CAST(%(entries)s AS json)) AS l
    )
    UPDATE chain_head SET length = %(length)s, head = %(head)s, ballots = %(count)s
    WHERE election_id = %(election_id)s
    """


def _append_four(
    session: Session,
    election_id: int,
    ballots: Sequence[NewBallot],
    entries: list[dict[str, Any]],
    moved_to: tuple[int, bytes, int],
) -> None:
    """SQLite: the same writes as four statements."""
    length, previous, ballot_count = moved_to
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
    for statement in [*statements, moved]:
        session.execute(statement)
