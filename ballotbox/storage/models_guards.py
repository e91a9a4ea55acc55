"""Storage for the guards that every worker and host share: failure counts and retry replies.

Both tables exist so that several app processes on one database behave as
one (issue 15).  What they deliberately do not hold:

* ``GuardCount`` is a bare number under a key.  The key of a source's count
  is a keyed BLAKE2b hash of the channel and the source (a phone number, a
  caller, a client address, an address with a teller username) under a key
  that lives in the key directory and is derived afresh for every window, so
  the table alone cannot be matched to a number or an address, and the same
  source gets an unrelated key in the next window.  A channel's count of
  unknown tokens (the flood alarm) is keyed by the channel and window only.
* ``GuardReply`` holds Twilio's retry reply, found by a keyed hash of the
  ``MessageSid`` and sealed under a key derived from the SID *and the text of
  the message*: only someone who already holds the text (its token and
  choices) can read the reply, so it reveals nothing new.
* Neither holds a token, a choice, a ballot reference or a time beyond the
  expiry (whole seconds); rows are deleted once expired (minutes).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel


class GuardCount(SQLModel, table=True):
    """A count under a key that expires: one source's failures, or a channel's unknown tokens."""

    __tablename__ = "guard_count"
    __table_args__ = (Index("ix_guard_count_expires", "expires"),)

    key: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    expires: int = Field(sa_column=Column(BigInteger, nullable=False))  # Unix seconds
    count: int = 0


class GuardReply(SQLModel, table=True):
    """The sealed reply already given to one Twilio message, for its retries."""

    __tablename__ = "guard_reply"
    __table_args__ = (Index("ix_guard_reply_expires", "expires"),)

    key: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    expires: int = Field(sa_column=Column(BigInteger, nullable=False))  # Unix seconds
    sealed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
