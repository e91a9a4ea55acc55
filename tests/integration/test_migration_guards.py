"""Migration 0006_guards upgrades a database at 0005 (contests) in place, and back.

The database is migrated only to 0005 and used there by the real services (a
three-contest ballot made, issued, opened and partly voted; the guards' tables
do not exist yet).  After ``upgrade`` the schema is exactly the models', the
failure counts and Twilio retry replies are kept in the new tables, and the
ballot made before the upgrade takes its remaining votes.  Downgrading to 0005
drops only the guards' tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

import ballotbox.storage.models  # noqa: F401
from ballotbox.config import Settings
from ballotbox.core.clock import FixedClock
from ballotbox.services.casting import cast
from ballotbox.services.guards import Guard
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine
from ballotbox.storage.migrate import alembic_config, is_current, upgrade
from ballotbox.wiring import context_for
from tests.fixtures.contest_ballots import VOTES, make_three_contest_ballot
from tests.fixtures.elections import OPENS, BallotEnv

CONTESTS_HEAD = "0005"  # 0005_contests.py
GUARD_TABLES = {"guard_count", "guard_reply"}


def migrate(engine: Engine, verb: str, revision: str) -> None:
    """Run Alembic's ``upgrade``/``downgrade`` to ``revision`` on ``engine``."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def tables(engine: Engine) -> set[str]:
    """The tables the database has now."""
    return set(inspect(engine).get_table_names())


@pytest.fixture
def at_contests(database_url: str, tmp_path: Path) -> Iterator[BallotEnv]:
    """A database at 0005 with a three-contest ballot open and three votes cast there."""
    settings = Settings(database_url=database_url, key_dir=tmp_path / "keys", public_url="http://t")
    engine = make_engine(database_url)
    migrate(engine, "upgrade", CONTESTS_HEAD)
    clock = FixedClock(OPENS - timedelta(days=5))
    env = BallotEnv(settings, engine, clock, context_for(settings, clock))
    _slug, tokens = make_three_contest_ballot(env, tokens=6)
    for token, ballot in zip(tokens[:3], VOTES, strict=False):
        with env.session() as s:
            cast(s, env.ctx, token, ballot, "web")
    assert not GUARD_TABLES & tables(engine) and not is_current(engine)
    yield env
    engine.dispose()


def test_upgrading_from_contests_gives_the_models_schema_and_keeps_the_ballot(
    at_contests: BallotEnv,
) -> None:
    env = at_contests
    upgrade(env.engine)
    assert is_current(env.engine)
    assert GUARD_TABLES <= tables(env.engine)
    with env.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], f"models and migrations differ after 0006_guards: {diff}"
    with env.read() as s:
        election = repository.election_by_slug(s, "agm-2027")
        assert election.id is not None
        assert [c.key for c in repository.contests(s, election.id)] == ["A", "B", "C"]
    with env.session() as s:
        receipt = cast(s, env.ctx, env.tokens["agm-2027"][3], VOTES[3], "sms")
    assert receipt.ballot == {"A": [2, 4], "B": [3, 1], "C": [1]}


def test_the_upgraded_database_keeps_counts_and_retry_replies(at_contests: BallotEnv) -> None:
    env = at_contests
    upgrade(env.engine)
    guard = Guard.from_settings(env.settings, env.ctx, env.engine)
    assert env.settings.guard_state != "memory"  # the database store, on the new tables
    with env.session() as s:
        guard.failed(s, "sms", "+447700900123", unknown_token=True)
        guard.failed(s, "sms", "+447700900123", unknown_token=False)
        guard.remember(s, "SM0123", "1234 5678 A 1", "Vote recorded")
    assert guard.failures("sms", "+447700900123") == 2
    assert guard.failures("sms", "+447700900999") == 0
    assert guard.flood()["sms"] == 1
    assert guard.recall("SM0123", "1234 5678 A 1") == "Vote recorded"
    assert guard.recall("SM0123", "another text") is None


def test_downgrading_to_contests_drops_only_the_guards(at_contests: BallotEnv) -> None:
    env = at_contests
    upgrade(env.engine)
    before = tables(env.engine)
    migrate(env.engine, "downgrade", CONTESTS_HEAD)
    later = {"dispute"}  # tables of the revisions after 0006_guards (0009_offline)
    assert tables(env.engine) == before - GUARD_TABLES - later
    with env.read() as s:
        assert repository.election_by_slug(s, "agm-2027").title == "Annual ballot 2027"
    upgrade(env.engine)
    assert is_current(env.engine) and GUARD_TABLES <= tables(env.engine)
