"""Storage for the officer action log and anonymous usage counters.

* ``OfficerAction`` records who did what, when, and why: merging or removing
  a member, editing or deleting a draft, a scheduled opening that was refused.
  It is for the officers' own accountability; what changes a ballot is also in
  the hash chain.  Its ``detail`` never holds a token.
* ``UsageCounter`` is a bare count per election and kind (SMS segments sent
  and received, call seconds): no phone number, no token, no time, so it
  shows what a ballot has cost without saying who voted when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel


class OfficerAction(SQLModel, table=True):
    """One action by an officer (or the scheduler), with the reason or detail given."""

    __tablename__ = "officer_action"
    __table_args__ = (Index("ix_officer_action_slug", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str = Field(max_length=100)
    action: str = Field(max_length=40)
    slug: str | None = Field(default=None, max_length=64)  # the ballot, if the action was on one
    detail: str = ""


class UsageCounter(SQLModel, table=True):
    """How much of a metered channel an election has used: a bare total per kind."""

    __tablename__ = "usage_counter"

    scope: str = Field(primary_key=True, max_length=64)  # the election's slug
    kind: str = Field(primary_key=True, max_length=32)  # sms_segments_in, sms_segments_out, …
    count: int = 0
