"""Storage for member registers, the card issuance register and card print runs.

The anonymity rule for this part of the schema (docs/cards.md has the full
argument): nothing here can link a member to a token.

* ``RegisteredMember`` is a row of an imported register: who may get a card.
* ``CardIssue`` records *that* a member received a card, how, on which day
  and from whom — never which card: no token, no keyed hash, no serial.
  A member's first card is ``nth`` 1; a replacement (reissue) is 2, 3… and
  must carry a reason.  ``reserve`` says the card came from the reserve stock.
* ``CardRun`` counts the cards of one print run (main stock or reserve); the
  serials printed on them follow from the counts and are never stored.
* ``ballot_token`` rows, for their part, carry nothing about members.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def _when() -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=False)


class RegisteredMember(SQLModel, table=True):
    """A member from an organisation's register, entitled to one card for the election."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("election_id", "org", "number", name="uq_member_election_org_number"),
        Index("ix_member_election_number", "election_id", "number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="election.id")
    org: str = Field(max_length=100)
    number: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)  # as written in the register; never a voter's
    postcode: str = Field(default="", max_length=16)
    address: str = ""  # the lines above the postcode, joined with newlines
    card_format: str = Field(default="standard", max_length=24)  # core.members.needs.FORMATS
    language: str = Field(default="", max_length=16)  # an i18n language code, or ""


class CardIssue(SQLModel, table=True):
    """That a member received a card (the ``nth`` they were given), how, when and from whom."""

    __tablename__ = "card_issue"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    nth: int = Field(primary_key=True)  # 1 = the member's card; 2, 3… = logged reissues
    how: str = Field(max_length=16)  # meeting, post, office, other
    issued_by: str = Field(max_length=100)
    issued_on: date = Field(sa_column=Column(Date, nullable=False))
    recorded_at: datetime = Field(sa_column=_when())
    reserve: bool = False  # taken from the reserve stock (every card handed out once polls open)
    reason: str = Field(default="", max_length=200)  # required for a reissue


class CardRun(SQLModel, table=True):
    """One print run: how many cards, and whether they are reserve stock.  Counts only."""

    __tablename__ = "card_run"

    election_id: int = Field(foreign_key="election.id", primary_key=True)
    number: int = Field(primary_key=True)  # 1, 2… per election
    reserve: bool = False
    cards: int
    printed_at: datetime = Field(sa_column=_when())
