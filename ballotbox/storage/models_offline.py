"""Storage for disputes: a member's report that the published vote for a token is wrong.

Nothing about the sender is kept: no number, address, caller ID or time of
day.  The day is kept (``reported_on``), which is coarse enough that a report
cannot be matched to one call or text in a telephone company's records.  The
key is random, not a counter, so the rows do not stand in the order they
came.  The token is kept because a dispute is about one published vote:
after publication every voted token is public anyway, and the member chose
to report it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, Index, LargeBinary
from sqlmodel import Field, SQLModel


class Dispute(SQLModel, table=True):
    """One report that the published vote for a token is not the vote cast."""

    __table_args__ = (
        Index("ix_dispute_election_token", "election_id", "token"),
        {"sqlite_with_rowid": False},  # no hidden rowid keeping the arrival order
    )

    id: bytes = Field(sa_column=Column(LargeBinary(16), primary_key=True))  # random
    election_id: int = Field(foreign_key="election.id")
    token: str = Field(max_length=20)
    receipt_code: str = Field(default="", max_length=16)  # as given ("" when none)
    receipt_kind: str = Field(max_length=8)  # "none", "code", "keys" (by phone) or "signed"
    receipt_valid: bool  # the receipt is genuinely this token's (see services.disputes)
    receipt_check: str = Field(max_length=16)  # none, code-matches, signed-matches, ...
    channel: str = Field(max_length=8)
    reported_on: date = Field(sa_column=Column(Date, nullable=False))
    text: str = ""
