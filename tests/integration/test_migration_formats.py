"""Migration 0010_formats gives every member a card format and a language, in place, and back.

A database at 0009_offline holds an election and a member (written with plain
SQL, as the models already have the new columns).  After ``upgrade`` the
schema is exactly the models' and that member has the standard card and no
language; downgrading to 0007 drops only the two columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import ballotbox.storage.models  # noqa: F401
from ballotbox.config import Settings
from ballotbox.core.clock import FixedClock
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine
from ballotbox.storage.migrate import is_current, upgrade
from ballotbox.wiring import context_for
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import OPENS, BallotEnv
from tests.integration.test_migration_guards import migrate

BEFORE = "0009_offline"  # the revision before 0010_formats
NEW_COLUMNS = {"card_format", "language"}


def member_columns(env: BallotEnv) -> set[str]:
    """The columns the member table has now."""
    return {c["name"] for c in inspect(env.engine).get_columns("member")}


@pytest.fixture
def at_members(database_url: str, tmp_path: Path) -> Iterator[BallotEnv]:
    """A database at 0009_offline with a ballot and one registered member."""
    settings = Settings(database_url=database_url, key_dir=tmp_path / "keys", public_url="http://t")
    engine = make_engine(database_url)
    migrate(engine, "upgrade", BEFORE)
    clock = FixedClock(OPENS - timedelta(days=5))
    env = BallotEnv(settings, engine, clock, context_for(settings, clock))
    make_three_contest_ballot(env, tokens=2, open_=False)
    with env.read() as s:
        election_id = repository.election_by_slug(s, "agm-2027").id
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO member (election_id, org, number, name, email, phone, postcode, "
                "address) VALUES (:e, 'Union', '1001', 'Ann Jones', '', '', '', '')"
            ),
            {"e": election_id},
        )
    assert not NEW_COLUMNS & member_columns(env) and not is_current(engine)
    yield env
    engine.dispose()


def test_upgrading_gives_the_models_schema_and_existing_members_the_standard_card(
    at_members: BallotEnv,
) -> None:
    env = at_members
    upgrade(env.engine)
    assert is_current(env.engine) and NEW_COLUMNS <= member_columns(env)
    with env.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
        assert diff == [], f"models and migrations differ after 0010_formats: {diff}"
        row = connection.execute(text("SELECT card_format, language FROM member")).one()
    assert tuple(row) == ("standard", "")


def test_downgrading_drops_only_the_two_columns(at_members: BallotEnv) -> None:
    env = at_members
    upgrade(env.engine)
    before = member_columns(env)
    migrate(env.engine, "downgrade", BEFORE)
    assert member_columns(env) == before - NEW_COLUMNS
    with env.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM member")).scalar_one() == "Ann Jones"
