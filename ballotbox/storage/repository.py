"""Every query in one place; services call these, routes never build queries."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Executable, bindparam, func
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from ballotbox.core.errors import UnknownElectionError
from ballotbox.storage import rawsql
from ballotbox.storage.models import (
    Ballot,
    BallotToken,
    Candidate,
    ChainHead,
    Checkpoint,
    Contest,
    Election,
    LogEntry,
    PublishedFile,
    RejectedAttempt,
)
from ballotbox.storage.models_guards import GuardCount, GuardReply
from ballotbox.storage.models_members import CardIssue, CardRun, RegisteredMember
from ballotbox.storage.models_offline import Dispute


def find_election(session: Session, slug: str) -> Election | None:
    """The election called ``slug``, or None."""
    return session.exec(select(Election).where(Election.slug == slug)).first()


def election_by_slug(session: Session, slug: str) -> Election:
    """The election called ``slug``, or UnknownElectionError."""
    election = find_election(session, slug)
    if election is None:
        raise UnknownElectionError(slug=slug)
    return election


def elections(session: Session, states: Iterable[str] | None = None) -> Sequence[Election]:
    """All elections (optionally only those in ``states``), oldest first."""
    query = select(Election).order_by(col(Election.id))
    if states is not None:
        query = query.where(col(Election.state).in_(list(states)))
    return session.exec(query).all()


def contests(session: Session, election_id: int) -> Sequence[Contest]:
    """The ballot's contests in ballot order."""
    return session.exec(
        select(Contest).where(Contest.election_id == election_id).order_by(col(Contest.position))
    ).all()


def candidates(session: Session, election_id: int, contest_key: str) -> Sequence[Candidate]:
    """One contest's candidates in card-number order."""
    return session.exec(
        select(Candidate)
        .where(Candidate.election_id == election_id, Candidate.contest_key == contest_key)
        .order_by(col(Candidate.number))
    ).all()


def election_slugs(session: Session) -> Sequence[str]:
    """Every election's slug, oldest first."""
    return session.exec(select(Election.slug).order_by(col(Election.id))).all()


@dataclass
class TokenRow:
    """An issued token's row as a cast reads it (a plain row, not an ORM object)."""

    token_hash: bytes
    election_id: int
    state: str


def tokens_with_elections(
    session: Session, hashes: Sequence[bytes], *, for_update: bool = False
) -> list[tuple[TokenRow, Election]]:
    """The token rows whose keyed hashes are in ``hashes``, each with its election.

    ``for_update`` locks the token rows (not the elections), in hash order, so
    two batches sharing tokens queue instead of deadlocking.  One query; the
    tokens come back as plain rows (every batch of casts reads them, and an ORM
    object per token costs more than the rest of the read).

    On PostgreSQL (every cast and every look-up before a page or a text's
    vote) the query goes on the driver's cursor, and an election the session
    does not hold already comes back as a new, unattached ``Election`` built
    from its row: the ORM's loading cost two thirds of the look-up.  Such a
    copy is for reading; to change an election, take the session's own
    (``session.get``), as casting does when the clock opens or closes one.
    """
    if not hashes:
        return []
    if rawsql.on_postgresql(session):
        return _tokens_raw(session, hashes, for_update)
    query = _TOKENS_LOCKED if for_update else _TOKENS
    rows = session.execute(query, {"hashes": list(hashes)}).all()
    return [(TokenRow(bytes(h), e, state), election) for h, e, state, election in rows]


def _tokens_raw(
    session: Session, hashes: Sequence[bytes], for_update: bool
) -> list[tuple[TokenRow, Election]]:
    sql = _TOKENS_LOCKED_PG if for_update else _TOKENS_PG
    cur = rawsql.execute(session, sql, (list(hashes),))
    elections: dict[int, Election] = {}
    found = []
    for token_hash, election_id, state, *columns in cur.fetchall():
        election = elections.get(election_id)
        if election is None:
            held = session.identity_map.get(identity_key(Election, election_id))
            election = held if isinstance(held, Election) else _election_from_row(columns)
            elections[election_id] = election
        found.append((TokenRow(bytes(token_hash), election_id, state), election))
    return found


def _election_from_row(columns: Sequence[Any]) -> Election:
    """An unattached ``Election`` holding the row's values, as the ORM fills one it loads.

    Through the model's constructor (pydantic's checks and an attribute event
    per column) this cost about 50 µs; the values come from our own table.
    """
    election: Election = _ELECTION_MANAGER.new_instance()
    election.__dict__.update(zip(_ELECTION_COLUMNS, columns, strict=True))
    return election


# Built once (every cast batch runs them): only the values change.
_TOKENS = (
    select(
        col(BallotToken.token_hash), col(BallotToken.election_id), col(BallotToken.state), Election
    )
    .join(Election, col(Election.id) == col(BallotToken.election_id))
    .where(col(BallotToken.token_hash).in_(bindparam("hashes", expanding=True)))
)
_TOKENS_LOCKED = _TOKENS.order_by(col(BallotToken.token_hash)).with_for_update(of=BallotToken)
_ELECTION_COLUMNS = tuple(c.name for c in Election.__table__.columns)  # type: ignore[attr-defined]
_ELECTION_MANAGER = Election._sa_class_manager  # type: ignore[attr-defined]  # noqa: SLF001
_ELECTION_SELECT = ", ".join(f"e.{name}" for name in _ELECTION_COLUMNS)  # the model's, no data
_TOKENS_PG = (
    f"SELECT t.token_hash, t.election_id, t.state, {_ELECTION_SELECT} "  # noqa: S608
    "FROM ballot_token t JOIN election e ON e.id = t.election_id WHERE t.token_hash = ANY(?)"
)
_TOKENS_LOCKED_PG = _TOKENS_PG + " ORDER BY t.token_hash FOR UPDATE OF t"


def tokens_by_hash(
    session: Session, hashes: Sequence[bytes], *, for_update: bool = False
) -> Sequence[BallotToken]:
    """The token rows whose keyed hashes are in ``hashes``."""
    if not hashes:
        return []
    query = select(BallotToken).where(col(BallotToken.token_hash).in_(hashes))
    if for_update:
        # Lock in one fixed order, so two batches sharing tokens queue instead of deadlocking.
        query = query.order_by(col(BallotToken.token_hash)).with_for_update()
    return session.exec(query).all()


def token_counts(session: Session, election_id: int) -> dict[str, int]:
    """Issued tokens by state."""
    rows = session.exec(
        select(BallotToken.state, func.count())
        .where(BallotToken.election_id == election_id)
        .group_by(col(BallotToken.state))
    ).all()
    return {state: count for state, count in rows}


def token_hashes(session: Session, election_id: int, state: str | None = None) -> list[bytes]:
    """The keyed hashes of the election's tokens (optionally only in ``state``), sorted."""
    query = select(BallotToken.token_hash).where(BallotToken.election_id == election_id)
    if state is not None:
        query = query.where(BallotToken.state == state)
    return sorted(session.exec(query).all())


def turnout_by_channel(session: Session, election_id: int) -> dict[str, int]:
    """Ballots cast so far per channel (never what they say)."""
    rows = session.exec(
        select(Ballot.channel, func.count())
        .where(Ballot.election_id == election_id)
        .group_by(col(Ballot.channel))
    ).all()
    return {channel: count for channel, count in rows}


def ballots(session: Session, election_id: int) -> Sequence[Ballot]:
    """Every ballot of the election, sorted by token (never by when it was cast)."""
    return session.exec(
        select(Ballot).where(Ballot.election_id == election_id).order_by(col(Ballot.token))
    ).all()


def ballot_by_hash(session: Session, token_hash: bytes) -> Ballot | None:
    """The ballot recorded for a token (by its keyed hash), if any."""
    return session.get(Ballot, token_hash)


def chain_head(session: Session, election_id: int, *, for_update: bool = False) -> ChainHead:
    """The newest link of the election's chain (locked when ``for_update``)."""
    query = select(ChainHead).where(ChainHead.election_id == election_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).one()


@dataclass(frozen=True)
class LockedHead:
    """An election's chain head as locked for appending (a plain row, not an ORM object)."""

    election_id: int
    length: int
    head: bytes
    ballots: int


def lock_chain_head(
    session: Session, election_id: int, position: int | None
) -> tuple[LockedHead, bytes | None]:
    """Lock the election's chain head; with it, the hash of the entry at ``position`` (if any).

    One round trip for what appending needs: the head to extend, and an
    earlier entry to compare with the head witnessed outside the database.
    Every batch of casts runs it: sent on the driver's cursor (:mod:`rawsql`).
    """
    sql = (
        _HEAD_WITH_ENTRY + " FOR UPDATE OF h" if rawsql.on_postgresql(session) else _HEAD_WITH_ENTRY
    )
    cur = rawsql.execute(session, sql, (position, election_id))
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"election {election_id} has no chain")
    length, head, ballots, entry = row
    locked = LockedHead(election_id, int(length), bytes(head), int(ballots))
    return locked, None if entry is None else bytes(entry)


# Locked on PostgreSQL with FOR UPDATE; SQLite has no row locks, but a batch's BEGIN
# IMMEDIATE already holds the whole database.
_HEAD_WITH_ENTRY = """
    SELECT h.length, h.head, h.ballots,
           (SELECT e.entry_hash FROM log_entry e
            WHERE e.election_id = h.election_id AND e.position = ?)
    FROM chain_head h WHERE h.election_id = ?"""


def chain_tip_with_entry(
    session: Session, election_id: int, position: int
) -> tuple[int, bytes, bytes | None] | None:
    """The chain's length and head hash with the hash of the entry at ``position`` (None when
    the log is shorter), in one round trip and without a lock; None when there is no chain.

    Every ballot page and every check before a vote asks this ("is voting on hold?"): sent
    on the driver's cursor (:mod:`rawsql`)."""
    row = rawsql.execute(session, _HEAD_WITH_ENTRY, (position, election_id)).fetchone()
    if row is None:
        return None
    length, head, _ballots, entry = row
    return int(length), bytes(head), None if entry is None else bytes(entry)


def log_entries(session: Session, election_id: int) -> Sequence[LogEntry]:
    """The election's log in chain order."""
    return session.exec(
        select(LogEntry).where(LogEntry.election_id == election_id).order_by(col(LogEntry.position))
    ).all()


# --- audit: checkpoints, rejected-attempt counters, the published copy ---


def checkpoints(session: Session, election_id: int) -> Sequence[Checkpoint]:
    """The election's signed checkpoints in log order."""
    return session.exec(
        select(Checkpoint)
        .where(Checkpoint.election_id == election_id)
        .order_by(col(Checkpoint.position))
    ).all()


def latest_checkpoint(session: Session, election_id: int) -> Checkpoint | None:
    """The election's newest checkpoint, or None."""
    return session.exec(
        select(Checkpoint)
        .where(Checkpoint.election_id == election_id)
        .order_by(col(Checkpoint.position).desc())
    ).first()


def count_rejection(session: Session, scope: str, reason: str) -> None:
    """Add one to the counter of attempts rejected for ``reason`` (an upsert, safe under races)."""
    key, bump = ["scope", "reason"], {"count": col(RejectedAttempt.count) + 1}
    statement: Executable
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = (
            pg_insert(RejectedAttempt)
            .values(scope=scope, reason=reason, count=1)
            .on_conflict_do_update(index_elements=key, set_=bump)
        )
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = (
            sqlite_insert(RejectedAttempt)
            .values(scope=scope, reason=reason, count=1)
            .on_conflict_do_update(index_elements=key, set_=bump)
        )
    session.execute(statement)


def rejections(session: Session, scope: str) -> dict[str, int]:
    """Rejected attempts by reason for ``scope`` (a slug, or "" for tokens of no election)."""
    rows = session.exec(
        select(RejectedAttempt.reason, RejectedAttempt.count).where(RejectedAttempt.scope == scope)
    ).all()
    return {reason: count for reason, count in rows}


def published_file(session: Session, election_id: int, name: str) -> PublishedFile | None:
    """One stored file of the published bundle, or None."""
    return session.get(PublishedFile, (election_id, name))


def lifecycle_entry(session: Session, election_id: int, kind: str) -> LogEntry | None:
    """The first log entry of ``kind`` (e.g. ``opened``), or None."""
    return session.exec(
        select(LogEntry)
        .where(LogEntry.election_id == election_id, LogEntry.kind == kind)
        .order_by(col(LogEntry.position))
    ).first()


def tokens_with_state(session: Session, election_id: int) -> list[tuple[bytes, str]]:
    """Every issued token's keyed hash with its state, sorted by hash."""
    rows = session.exec(
        select(BallotToken.token_hash, BallotToken.state).where(
            BallotToken.election_id == election_id
        )
    ).all()
    return sorted((bytes(h), state) for h, state in rows)


# --- member registers, the card issuance register and print runs (never a token) ---


def members(
    session: Session, election_id: int, org: str | None = None
) -> Sequence[RegisteredMember]:
    """The election's registered members (optionally of one organisation), by org and number."""
    query = select(RegisteredMember).where(RegisteredMember.election_id == election_id)
    if org is not None:
        query = query.where(RegisteredMember.org == org)
    return session.exec(
        query.order_by(col(RegisteredMember.org), col(RegisteredMember.number))
    ).all()


def members_numbered(session: Session, election_id: int, number: str) -> Sequence[RegisteredMember]:
    """Every registered member with membership number ``number`` (one per organisation)."""
    return session.exec(
        select(RegisteredMember)
        .where(RegisteredMember.election_id == election_id, RegisteredMember.number == number)
        .order_by(col(RegisteredMember.org))
    ).all()


def card_issues(session: Session, member_id: int) -> Sequence[CardIssue]:
    """The cards a member has been given, first card first."""
    return session.exec(
        select(CardIssue).where(CardIssue.member_id == member_id).order_by(col(CardIssue.nth))
    ).all()


def all_card_issues(session: Session, election_id: int) -> Sequence[CardIssue]:
    """Every recorded card hand-out of the election."""
    return session.exec(
        select(CardIssue)
        .join(RegisteredMember, col(CardIssue.member_id) == col(RegisteredMember.id))
        .where(RegisteredMember.election_id == election_id)
    ).all()


def members_without_card(session: Session, election_id: int) -> Sequence[RegisteredMember]:
    """Registered members with no card recorded, by org and number."""
    has_card = select(CardIssue.member_id)
    return session.exec(
        select(RegisteredMember)
        .where(RegisteredMember.election_id == election_id)
        .where(col(RegisteredMember.id).not_in(has_card))
        .order_by(col(RegisteredMember.org), col(RegisteredMember.number))
    ).all()


def card_runs(session: Session, election_id: int) -> Sequence[CardRun]:
    """The election's card print runs in order."""
    return session.exec(
        select(CardRun).where(CardRun.election_id == election_id).order_by(col(CardRun.number))
    ).all()


def last_event(session: Session, election_id: int, kind: str) -> dict[str, object] | None:
    """The payload of the election's newest log entry of ``kind``, if any."""
    entry = session.exec(
        select(LogEntry)
        .where(LogEntry.election_id == election_id, LogEntry.kind == kind)
        .order_by(col(LogEntry.position).desc())
        .limit(1)
    ).first()
    return json.loads(entry.payload) if entry else None


def disputes(session: Session, election_id: int) -> Sequence[Dispute]:
    """Every dispute about the election, by token (never in the order they came)."""
    return session.exec(
        select(Dispute)
        .where(Dispute.election_id == election_id)
        .order_by(col(Dispute.token), col(Dispute.id))
    ).all()


def dispute_count(session: Session, election_id: int, token: str | None = None) -> int:
    """How many disputes the election has (about ``token`` only, if given)."""
    query = select(func.count()).select_from(Dispute).where(Dispute.election_id == election_id)
    if token is not None:
        query = query.where(Dispute.token == token)
    return int(session.exec(query).one())


def dispute_tally(session: Session, election_id: int) -> dict[str, int]:
    """How many disputes the election has for each receipt check (``signed-differs`` …)."""
    rows = session.exec(
        select(Dispute.receipt_check, func.count())
        .where(Dispute.election_id == election_id)
        .group_by(col(Dispute.receipt_check))
    ).all()
    return {check: count for check, count in rows}


# --- guards shared by every worker: failure counts and Twilio retry replies (keyed hashes) ---


def _insert(session: Session, table: Any) -> Any:
    """An INSERT for ``table`` that can take ON CONFLICT clauses on either database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table)


def guard_counts(
    connection: Connection | Session, keys: Sequence[bytes], now: int
) -> dict[bytes, int]:
    """The unexpired counts under ``keys`` (never locking): on a connection of its own, or in
    a session's transaction (the cast batcher reads them there, saving a connection).

    Every batch of casts asks this first: sent on the driver's cursor (:mod:`rawsql`)."""
    rows = _unexpired(connection, "count", "guard_count", keys, now)
    return {bytes(key): count for key, count in rows}


def _unexpired(
    connection: Connection | Session, column: str, table: str, keys: Sequence[bytes], now: int
) -> list[tuple[Any, Any]]:
    """(key, ``column``) of ``table``'s unexpired rows under ``keys``, on the driver's cursor:
    an array on PostgreSQL (one statement text whatever the count), an ``IN`` list on SQLite."""
    if not keys:
        return []
    if rawsql.on_postgresql(connection):
        sql = _UNEXPIRED.format(column=column, table=table, keys="= ANY(?)")
        cur = rawsql.execute(connection, sql, (list(keys), now))
    else:
        sql = _UNEXPIRED.format(
            column=column, table=table, keys=f"IN ({rawsql.placeholders(len(keys))})"
        )
        cur = rawsql.execute(connection, sql, (*keys, now))
    return list(cur.fetchall())


_UNEXPIRED = "SELECT key, {column} FROM {table} WHERE key {keys} AND expires > ?"


def bump_guard_count(session: Session, key: bytes, expires: int) -> int:
    """Add one to the count under ``key`` (an atomic upsert) and return the new count."""
    table = GuardCount.__table__  # type: ignore[attr-defined]
    statement = _insert(session, table).values(key=key, expires=expires, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={"count": table.c.count + 1}
    ).returning(table.c.count)
    return int(session.execute(statement).scalar_one())


def guard_replies(
    connection: Connection | Session, keys: Sequence[bytes], now: int
) -> dict[bytes, bytes]:
    """The unexpired sealed replies under ``keys`` (never locking): on a connection of its
    own, or in a session's transaction.

    Every text asks this first, to know a retry (a batch of texts' votes, for all of them
    at once): sent on the driver's cursor."""
    rows = _unexpired(connection, "sealed", "guard_reply", keys, now)
    return {bytes(key): bytes(sealed) for key, sealed in rows if sealed is not None}


def keep_guard_reply(session: Session, key: bytes, expires: int, sealed: bytes, now: int) -> None:
    """Keep the sealed reply under ``key``; an unexpired reply already there stays (the first)."""
    keep_guard_replies(session, [(key, expires, sealed)], now)


def keep_guard_replies(
    session: Session, replies: Sequence[tuple[bytes, int, bytes]], now: int
) -> None:
    """Keep each (key, expires, sealed) in one statement; the first reply under a key stays.

    A batch of texts' votes writes its replies here just before it commits, while
    its chain is locked: sent on the driver's cursor (:mod:`rawsql`)."""
    first: dict[bytes, tuple[bytes, int, bytes]] = {}
    for reply in replies:
        first.setdefault(reply[0], reply)
    if not first:
        return
    sql = _KEEP_REPLIES.format(rows=rawsql.rows(len(first), 3))
    rawsql.execute(session, sql, (*(v for reply in first.values() for v in reply), now))


_KEEP_REPLIES = (
    "INSERT INTO guard_reply (key, expires, sealed) VALUES {rows} "
    "ON CONFLICT (key) DO UPDATE SET expires = excluded.expires, sealed = excluded.sealed "
    "WHERE guard_reply.expires <= ? OR guard_reply.sealed IS NULL"
)


def prune_guards(session: Session, now: int) -> int:
    """Delete every expired count and reply; returns how many rows went."""
    gone = 0
    tables = [GuardCount.__table__, GuardReply.__table__]  # type: ignore[attr-defined]
    for table in tables:
        gone += session.execute(table.delete().where(table.c.expires <= now)).rowcount  # type: ignore[attr-defined]
    return gone
