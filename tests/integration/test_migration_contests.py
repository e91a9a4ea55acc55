"""Migration 0005 (contests) upgrades a database written by the previous schema, in place.

The data is made by the real services on a scratch database, then written
row by row into a database migrated only to 0004, through that schema's own
tables and columns (``election.method``/``seats``, candidates without a
contest): a published election, a closed one not yet counted, and one still
open.  After ``upgrade`` each is a one-contest ballot keyed A, its definition
text is untouched, the bundle published before the upgrade still verifies,
and the others are cast, counted, published and verified on the new schema.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, select, text

from ballotbox.core.audit.verify import main as verify
from ballotbox.definition import definition_from_dict
from ballotbox.services import elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine, transaction
from ballotbox.storage.migrate import alembic_config, is_current, upgrade
from ballotbox.storage.models import ElectionState
from tests.fixtures.elections import CLOSES, BallotEnv, build_env

PREVIOUS_HEAD = "0004"
# Parents before children, so every foreign key finds its row.
TABLES = (
    "election",
    "candidate",
    "ballot_token",
    "chain_head",
    "log_entry",
    "ballot",
    "checkpoint",
    "published_file",
)
VOTES = [[1, 3, 2], [2, 1], [3], [1, 2], [4, 1]]


def migrate_to(engine: Engine, revision: str) -> None:
    """Bring the database to ``revision`` (not the newest)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def played(env: BallotEnv, slug: str, *, close: bool, count: bool) -> list[Any]:
    """An election with five ballots cast; closed, and counted, as asked."""
    _slug, tokens = env.make_election(slug, tokens=8)
    for token, choices in zip(tokens, VOTES, strict=False):
        with env.session() as s:
            cast(s, env.ctx, token, choices, "web")
    if close:
        with env.session() as s:
            elections.close_now(s, env.ctx, repository.election_by_slug(s, slug), at=CLOSES)
    if count:
        with env.session() as s:
            tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
    return tokens


def as_written_by_0004(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row of today's tables in the columns the 0004 schema had."""
    row = {k: v.replace(tzinfo=UTC) if _naive(v) else v for k, v in row.items()}
    if table == "election":
        document = json.loads(row["definition"])  # a one-contest ballot: the flat form
        row.update(method=document["method"], seats=document["seats"])
    if table == "candidate":
        assert row.pop("contest_key") == "A"
    return row


def _naive(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def copy_into_previous_schema(source: Engine, target: Engine) -> None:
    """Write every row of ``source`` into ``target`` (at 0004) through 0004's own tables."""
    old = MetaData()
    old.reflect(bind=target, only=list(TABLES))
    new = MetaData()
    new.reflect(bind=source, only=list(TABLES))
    with source.connect() as reading, target.begin() as writing:
        for name in TABLES:
            rows = [dict(r._mapping) for r in reading.execute(select(new.tables[name]))]
            if rows:
                writing.execute(
                    old.tables[name].insert(), [as_written_by_0004(name, r) for r in rows]
                )
        if target.dialect.name == "postgresql":  # ids were copied, so move the sequence on
            writing.execute(
                text("SELECT setval('election_id_seq', (SELECT max(id) FROM election))")
            )


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Any:
    """(env on the upgraded database, the bundle published before the upgrade, tokens)."""
    scratch = build_env(f"sqlite:///{tmp_path / 'scratch.db'}", tmp_path / "keys")
    scratch.clock.set(datetime(2027, 1, 9, tzinfo=UTC))
    tokens = {
        "old-published": played(scratch, "old-published", close=True, count=True),
        "old-closed": played(scratch, "old-closed", close=True, count=False),
        "old-open": played(scratch, "old-open", close=False, count=False),
    }
    with scratch.session() as s:
        election = repository.election_by_slug(s, "old-published")
        before = publishing.publish(s, scratch.ctx, election, tmp_path / "old-bundle")
    target = make_engine(database_url)
    migrate_to(target, PREVIOUS_HEAD)
    assert not is_current(target)
    copy_into_previous_schema(scratch.engine, target)
    definitions = {e.slug: e.definition for e in _elections(scratch.engine)}
    scratch.engine.dispose()

    upgrade(target)
    assert is_current(target)
    target.dispose()
    env = build_env(database_url, tmp_path / "keys")  # upgrade() again: already at head
    env.clock.set(scratch.clock.now())
    yield env, before, tokens, definitions
    env.engine.dispose()


def _elections(engine: Engine) -> list[Any]:
    with transaction(engine, write=False) as s:
        return list(repository.elections(s))


def test_each_old_election_becomes_a_one_contest_ballot_with_its_definition_untouched(
    upgraded: Any,
) -> None:
    env, _before, _tokens, definitions = upgraded
    with env.read() as s:
        for election in repository.elections(s):
            assert election.id is not None
            assert election.definition == definitions[election.slug]  # the committed text
            (contest,) = repository.contests(s, election.id)
            assert (contest.key, contest.position, contest.title) == ("A", 0, election.title)
            assert (contest.method, contest.seats) == ("scottish-stv", 2)
            numbers = [c.number for c in repository.candidates(s, election.id, "A")]
            assert numbers == [1, 2, 3, 4]
            assert elections.definition_of(election).keys == ["A"]
    schema = MetaData()
    schema.reflect(bind=env.engine, only=["election", "candidate"])
    assert not {"method", "seats"} & set(schema.tables["election"].columns.keys())
    assert [c.name for c in schema.tables["candidate"].primary_key.columns] == [
        "election_id",
        "contest_key",
        "number",
    ]


def test_the_bundle_published_before_the_upgrade_still_verifies(
    upgraded: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    env, before, _tokens, _definitions = upgraded
    assert verify([str(before.directory)]) == 0
    with env.read() as s:
        election = repository.election_by_slug(s, "old-published")
        stored = publishing.stored_file(s, election, "bundle.zip")
    assert stored == before.archive.read_bytes()
    assert "OK: all 12 checks hold." in capsys.readouterr().out


def test_old_elections_are_cast_counted_published_and_verified_after_the_upgrade(
    upgraded: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, _before, tokens, _definitions = upgraded
    with env.session() as s:
        receipt = cast(s, env.ctx, tokens["old-open"][6], [4, 3], "sms")
    assert receipt.ballot == {"A": [4, 3]} and len(receipt.ballot_names["A"]) == 2
    with env.session() as s:
        elections.close_now(s, env.ctx, repository.election_by_slug(s, "old-open"), at=CLOSES)
    for slug, ballots in (("old-closed", 5), ("old-open", 6)):
        with env.session() as s:
            count = tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
            assert count.single and count.valid_poll == ballots
        with env.session() as s:
            election = repository.election_by_slug(s, slug)
            done = publishing.publish(s, env.ctx, election, tmp_path / slug)
            assert election.state == ElectionState.PUBLISHED
        assert verify([str(done.directory)]) == 0
        assert (done.directory / "ballots.csv").read_text().startswith("token,channel,choices\n")
    assert capsys.readouterr().out.count("OK: all 12 checks hold.") == 2


def test_a_ballot_of_several_contests_is_created_on_the_upgraded_database(upgraded: Any) -> None:
    env, _before, _tokens, _definitions = upgraded
    document = env.definition("new-2027")
    del document["method"], document["seats"], document["candidates"]
    document["contests"] = [
        {"title": "Slate", "method": "scottish-stv", "seats": 2,
         "candidates": [{"number": i, "name": f"Candidate {i}"} for i in range(1, 5)]},
        {"title": "Motion", "method": "referendum"},
    ]  # fmt: skip
    with env.session() as s:
        election = elections.create(s, env.ctx, definition_from_dict(document))
        assert election.id is not None
        assert [c.key for c in repository.contests(s, election.id)] == ["A", "B"]
        answers = repository.candidates(s, election.id, "B")
        assert [c.name for c in answers] == ["Yes", "No", "Abstain"]
