"""Storage for officer accounts beyond the ``teller`` table: sign-in throttling, the action log.

Neither table can link anyone to a token or a vote: the throttle holds an
account name, a hashed source address and a count; the officer action log
holds who did what to which ballot (by slug) and when, with a fixed phrase
(or the officer's own stated reason) as detail.  No token, serial, choice or
member appears in either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel


def _when(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins for one account from one source; a lockout applies to that pair only.

    So an outsider guessing from another address cannot lock an officer out.
    ``source`` is a SHA-256 of the address, not the address.
    """

    __tablename__ = "login_throttle"

    username: str = Field(primary_key=True, max_length=64)
    source: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    last_failure: datetime = Field(sa_column=_when())
