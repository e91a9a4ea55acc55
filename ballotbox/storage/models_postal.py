"""Storage for postal keying: tellers, their sessions and actions, batches, letters, entries.

The anonymity rule for this part of the schema (docs/postal.md has the full
argument): no table links a teller to a token or a vote.

* ``PostalEntry`` is the one place a keyed token and choices ever sit, and
  only *sealed* (encrypted with a key derived from the election's signing key,
  which lives outside the database), and only while the letter is pending.
  When the letter is resolved (cast, spoilt or rejected) ``sealed`` is set to
  NULL: what stays is who keyed which letter, nothing of what they keyed.
* ``PostalLetter`` holds the outcome category (accepted, spoilt, rejected,
  pending) and a fixed reason code — never the token, its hash or the choices.
* ``TellerAction`` says what a teller did to which letter of which batch, and
  when; its ``detail`` is a fixed phrase, never keyed text.
* ``Ballot`` rows are untouched: no teller, letter number or batch on them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, LargeBinary
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    """What an account may do (see ballotbox/services/roles.py)."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    TELLER = "teller"
    SCRUTINEER = "scrutineer"


class LetterStatus(StrEnum):
    """Where a letter is; exactly one, so the reconciliation adds up by construction."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    SPOILT = "spoilt"
    REJECTED = "rejected"


class BatchKind(StrEnum):
    """A bag of letters, or the recordings left on the phone line."""

    POST = "post"
    VOICEMAIL = "voicemail"


def _when(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class Teller(SQLModel, table=True):
    """An account: a returning officer, supervisor, teller or scrutineer (see ``Role``).

    The table keeps its first name (``teller``): tellers came first, and the
    officers' console signs in against the same accounts.  Lockouts are kept
    per account *and* source in ``login_throttle`` (models_accounts).
    """

    __tablename__ = "teller"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=256)  # Argon2id, PHC string form
    active: bool = True
    totp_secret: str | None = Field(default=None, max_length=64)  # base32; None: no codes yet
    totp_step: int = 0  # the last 30-second step whose code was used: no code works twice
    created_at: datetime = Field(sa_column=_when())


class TellerSession(SQLModel, table=True):
    """A signed-in teller; the cookie carries the id, the table only its SHA-256."""

    __tablename__ = "teller_session"

    sid_hash: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    teller_id: int = Field(foreign_key="teller.id", index=True)
    created_at: datetime = Field(sa_column=_when())
    expires_at: datetime = Field(sa_column=_when())


class PostalBatch(SQLModel, table=True):
    """A bag of letters opened by a supervisor (or an election's voicemail batch)."""

    __tablename__ = "postal_batch"
    __table_args__ = (Index("ix_postal_batch_election", "election_id"),)

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id")
    label: str = Field(max_length=200)
    kind: str = Field(default=BatchKind.POST, max_length=16)
    letters: int = 0  # letters received; items are numbered 1..letters
    opened_by: int | None = Field(default=None, foreign_key="teller.id")
    opened_at: datetime = Field(sa_column=_when())


class PostalLetter(SQLModel, table=True):
    """One letter (or recording) of a batch and its outcome; never its contents."""

    __tablename__ = "postal_letter"
    __table_args__ = (Index("ix_postal_letter_status", "batch_id", "status"),)

    batch_id: int = Field(foreign_key="postal_batch.id", primary_key=True)
    number: int = Field(primary_key=True)
    status: str = Field(default=LetterStatus.PENDING, max_length=10)
    reason: str = Field(default="", max_length=32)  # spoilt or rejection code
    disputed: bool = False  # the two entries disagreed: waiting for adjudication
    recording_ref: str | None = Field(default=None, max_length=500)  # voicemail, until resolved


class PostalEntry(SQLModel, table=True):
    """One teller's keying of one letter; ``sealed`` is NULL once the letter is resolved."""

    __tablename__ = "postal_entry"
    __table_args__ = (
        ForeignKeyConstraint(
            ["batch_id", "letter_number"], ["postal_letter.batch_id", "postal_letter.number"]
        ),
    )

    batch_id: int = Field(primary_key=True)
    letter_number: int = Field(primary_key=True)
    teller_id: int = Field(foreign_key="teller.id", primary_key=True)
    stage: str = Field(max_length=8)  # first, second, final (adjudication)
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class TellerAction(SQLModel, table=True):
    """The teller action log: who did what to which letter, never what was keyed."""

    __tablename__ = "teller_action"
    __table_args__ = (Index("ix_teller_action_teller", "teller_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when())
    teller_id: int | None = Field(default=None, foreign_key="teller.id")
    action: str = Field(max_length=24)
    batch_id: int | None = Field(default=None, foreign_key="postal_batch.id")
    letter_number: int | None = None
    detail: str = Field(default="", max_length=200)
