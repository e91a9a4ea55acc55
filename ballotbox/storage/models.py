"""Storage: the tables, and what each deliberately does not hold.

Anonymity is a property of this schema, so the rules are written here:

* ``BallotToken`` holds only the keyed hash of a token (never the digits of an
  unspent token) and its state.  Rows are inserted in shuffled order at issue
  time, and on SQLite the table has no rowid, so storage order says nothing.
* ``Ballot`` has no timestamp, no auto-increment id, no member, phone number,
  IP address or teller: its primary key is the token hash, which is also what
  makes a second ballot for the same token impossible (exactly once).  The
  plain token is kept once it is spent, because the token → vote list is
  published after the close.  On SQLite the table has no rowid either.
* ``LogEntry`` is the hash chain; a ballot's entry holds only a blinded
  commitment, so the log does not say which token voted when.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, LargeBinary
from sqlmodel import Field, SQLModel

NO_ROWID = {"sqlite_with_rowid": False}


class ElectionState(StrEnum):
    """Where an election is in its life."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    COUNTED = "counted"
    PUBLISHED = "published"


class TokenState(StrEnum):
    """What has happened to an issued token."""

    UNUSED = "unused"
    VOTED = "voted"
    VOID = "void"


def _utc() -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=True)


class Election(SQLModel, table=True):
    """One ballot (one card, one token per member): its definition, schedule and state.

    Its contests (``Contest``) and their candidates are listed in their own
    tables for queries; ``definition`` stays the source of truth, the exact
    text whose hash the commitment signed.
    """

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True, max_length=64)
    title: str
    description: str = ""
    definition: str  # the validated definition, canonical JSON
    opens_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closes_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    state: str = Field(default=ElectionState.DRAFT, max_length=16)
    opened_at: datetime | None = Field(default=None, sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc())
    counted_at: datetime | None = Field(default=None, sa_column=_utc())
    result: str | None = None  # the count's Result as canonical JSON


class Contest(SQLModel, table=True):
    """One contest on a ballot: a slate, a post or a motion, known by the key on the card."""

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=1)
    position: int  # 0-based place on the ballot
    title: str
    method: str = Field(max_length=32)
    seats: int = 1


class Candidate(SQLModel, table=True):
    """A candidate (or, for a referendum, an answer) of a contest, with the number on cards."""

    __table_args__ = (
        ForeignKeyConstraint(
            ["election_id", "contest_key"],
            ["contest.election_id", "contest.key"],
            name="fk_candidate_contest",
        ),
    )

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    contest_key: str = Field(primary_key=True, max_length=1)
    number: int = Field(primary_key=True)
    name: str
    statement: str = ""
    url: str = ""
    group: str = ""


class BallotToken(SQLModel, table=True):
    """An issued token, known only by its keyed hash."""

    __tablename__ = "ballot_token"
    __table_args__ = (Index("ix_ballot_token_election_state", "election_id", "state"), NO_ROWID)

    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    election_id: int = Field(foreign_key="election.id")
    state: str = Field(default=TokenState.UNUSED, max_length=8)


class Ballot(SQLModel, table=True):
    """A counted vote.  Deliberately no timestamp, no sequence number, no voter."""

    __table_args__ = (
        ForeignKeyConstraint(["token_hash"], ["ballot_token.token_hash"]),
        Index("ix_ballot_election", "election_id"),
        NO_ROWID,
    )

    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    election_id: int = Field(foreign_key="election.id")
    token: str = Field(max_length=20)  # spent, so publishable
    channel: str = Field(max_length=8)
    choices: str  # JSON list of candidate numbers, in preference order for ranked methods


class LogEntry(SQLModel, table=True):
    """One link of an election's hash chain."""

    __tablename__ = "log_entry"

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    position: int = Field(primary_key=True)
    kind: str = Field(max_length=24)
    payload: str  # canonical JSON, exactly what was hashed
    entry_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class ChainHead(SQLModel, table=True):
    """The newest link of each election's chain; locked by every append."""

    __tablename__ = "chain_head"

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    length: int = 0
    head: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    ballots: int = 0  # ballot entries so far: turnout without reading the ballots


class Checkpoint(SQLModel, table=True):
    """A signed chain head, published live so a later rewrite of the log would show.

    It signs only what the log already shows (a head, its position and the
    number of ballot entries so far) and when; never a token or a choice.
    """

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    position: int = Field(primary_key=True)
    ballots: int
    signed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    envelope: str  # the signed checkpoint {"body", "signature"}, canonical JSON


class RejectedAttempt(SQLModel, table=True):
    """How many attempts to vote were turned away, per election and reason.

    A bare counter: no token, no time, no source.  ``scope`` is the election's
    slug, or "" when the token named no election (unknown or mistyped).
    """

    __tablename__ = "rejected_attempt"

    scope: str = Field(primary_key=True, max_length=64)
    reason: str = Field(primary_key=True, max_length=32)
    count: int = 0


class PublishedFile(SQLModel, table=True):
    """A file of the published bundle, stored byte for byte as ``ballotbox publish`` wrote it."""

    __tablename__ = "published_file"

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# The member register and card issuance tables, the postal tables, the guards' shared counts
# and retry replies, the officer action log and usage counters, sign-in throttles and
# disputes live in their own modules; importing them here registers them on the same metadata.
from ballotbox.storage import (  # noqa: E402, F401
    models_accounts,
    models_actions,
    models_guards,
    models_members,
    models_offline,
    models_postal,
)
