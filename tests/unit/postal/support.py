"""Helpers shared by the postal integration and browser tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlmodel import Session, SQLModel

from ballotbox.services import accounts
from ballotbox.services.postal import batches, queries
from ballotbox.storage import repository
from ballotbox.storage.models_postal import PostalBatch, Role, Teller
from tests.fixtures.elections import BallotEnv

PASSWORD = "correct horse battery"  # noqa: S105
POSTAL_TABLES = (
    "teller",
    "teller_session",
    "teller_action",
    "postal_batch",
    "postal_letter",
    "postal_entry",
)


def add_tellers(env: BallotEnv, **roles: str) -> dict[str, Teller]:
    """Create tellers by username → role name; returns them detached."""
    made = {}
    with env.session() as s:
        for name, role in roles.items():
            made[name] = accounts.add_teller(s, env.ctx, name, Role(role), PASSWORD)
    return made


def open_batch(env: BallotEnv, slug: str, letters: int, label: str = "post of 3 Dec, bag 2") -> int:
    """Open a batch from the command line (no teller); returns its id."""
    with env.session() as s:
        election = repository.election_by_slug(s, slug)
        batch = batches.open_batch(s, env.ctx, None, election, label, letters)
        assert batch.id is not None
        return batch.id


def get(s: Session, model: Any, key: Any) -> Any:
    """A row by primary key, or AssertionError."""
    row = s.get(model, key)
    assert row is not None
    return row


def teller_named(s: Session, username: str) -> Teller:
    """The teller called ``username``, or AssertionError."""
    teller = queries.teller_by_username(s, username)
    assert teller is not None, username
    return teller


def batch_of(s: Session, batch_id: int) -> PostalBatch:
    return get(s, PostalBatch, batch_id)  # type: ignore[no-any-return]


def postal_dump(s: Session) -> str:
    """Every value of every row of every postal table, as one string to search."""
    parts = []
    for name in POSTAL_TABLES:
        table = SQLModel.metadata.tables[name]
        for row in s.connection().execute(table.select()).all():
            for value in row:
                parts.append(value.hex() if isinstance(value, bytes) else repr(value))
    return "\n".join(parts)


def table_names(s: Session) -> list[str]:
    return inspect(s.get_bind()).get_table_names()
