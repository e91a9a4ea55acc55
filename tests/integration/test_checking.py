"""Checking a vote after publication (services.checking) on a real database, both backends."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select

from ballotbox.core.errors import (
    NotCheckableError,
    TokenChecksumError,
    UnknownTokenError,
)
from ballotbox.core.tokens.format import generate
from ballotbox.services import elections, tally
from ballotbox.services.casting import cast
from ballotbox.services.checking import check_vote
from ballotbox.storage import repository
from tests.fixtures.contest_ballots import VOTES as CONTEST_VOTES
from tests.fixtures.contest_ballots import publish_three_contest_ballot
from tests.fixtures.elections import CLOSES, BallotEnv
from tests.integration.test_publish import publish, run_election


def test_a_published_vote_reads_back_with_names_code_and_channel(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    with ballot_env.read() as s:
        first = check_vote(s, ballot_env.ctx, tokens[0].grouped, slug)
        by_bare_token = check_vote(s, ballot_env.ctx, tokens[1].digits)
        unused = check_vote(s, ballot_env.ctx, tokens[5], slug)
        void = check_vote(s, ballot_env.ctx, tokens[6], slug)
    assert first.voted and first.channel == "web"
    (contest,) = first.contests
    assert contest.names == ("Ann Example", "Cy Twombly", "Bob Builder")  # VOTES[0] = [1, 3, 2]
    assert first.receipt_code == receipts[0]["code"]
    assert by_bare_token.election == slug and by_bare_token.contests[0].names == (
        "Bob Builder",
        "Ann Example",
    )
    assert by_bare_token.receipt_code == receipts[1]["code"]
    assert (unused.status, unused.contests, unused.receipt_code) == ("unused", (), None)
    assert void.status == "void" and not void.voted


def test_every_contest_reads_back_with_the_referendum_answer(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    with ballot_env.read() as s:
        third = check_vote(s, ballot_env.ctx, tokens[2], slug)  # A [5,1,3], B blank, C no
        fifth = check_vote(s, ballot_env.ctx, tokens[4], slug)  # C left blank
    assert [c.key for c in third.contests] == ["A", "B", "C"]
    assert third.contests[0].names == ("Eve Online", "Ann Example", "Cy Twombly")
    assert third.contests[1].names == ()
    assert third.contests[2].is_referendum and third.contests[2].names == ("No",)
    assert fifth.contests[2].names == () and fifth.receipt_code == receipts[4]["code"]
    assert CONTEST_VOTES[2]["C"] == ["no"]


def test_before_publication_every_token_is_refused_alike(ballot_env: BallotEnv) -> None:
    slug, tokens = ballot_env.make_election(tokens=2)
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")
    stranger = generate()
    for moment in ("open", "counted"):
        with ballot_env.read() as s:
            for token in (tokens[0], tokens[1], stranger):
                with pytest.raises(NotCheckableError):
                    check_vote(s, ballot_env.ctx, token, slug)
            with pytest.raises(NotCheckableError):  # a bare token of an unpublished ballot
                check_vote(s, ballot_env.ctx, tokens[0])
        if moment == "open":
            ballot_env.clock.set(CLOSES)
            with ballot_env.session() as s:
                elections.apply_all_due(s, ballot_env.ctx)
            with ballot_env.session() as s:
                tally.tally(s, ballot_env.ctx, repository.election_by_slug(s, slug))


def test_unknown_and_mistyped_tokens_get_the_voting_errors(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, _receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    mistyped = tokens[0].digits[:-1] + str((int(tokens[0].digits[-1]) + 1) % 10)
    with ballot_env.read() as s:
        with pytest.raises(UnknownTokenError):
            check_vote(s, ballot_env.ctx, generate(), slug)
        with pytest.raises(UnknownTokenError):
            check_vote(s, ballot_env.ctx, generate())
        with pytest.raises(TokenChecksumError):
            check_vote(s, ballot_env.ctx, mistyped)
        with pytest.raises(TokenChecksumError):  # the format first, whatever the ballot's state
            check_vote(s, ballot_env.ctx, mistyped, slug)


def _snapshot(engine: Engine) -> dict[str, Any]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: conn.execute(select(t)).all() for name, t in meta.tables.items()}


def test_a_check_stores_nothing_and_logs_nothing(
    ballot_env: BallotEnv, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slug, tokens, _receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    before = _snapshot(ballot_env.engine)
    caplog.set_level(logging.DEBUG)
    with ballot_env.session() as s:  # a write transaction: still nothing may be written
        check_vote(s, ballot_env.ctx, tokens[0])
        check_vote(s, ballot_env.ctx, tokens[5])
        with pytest.raises(UnknownTokenError):
            check_vote(s, ballot_env.ctx, generate())
    assert _snapshot(ballot_env.engine) == before
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert tokens[0].digits not in text and tokens[5].digits not in text


def test_describe_says_each_contest_in_plain_words(ballot_env: BallotEnv, tmp_path: Path) -> None:
    from ballotbox.services.checking import describe

    slug, tokens, receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    with ballot_env.read() as s:
        third = describe(check_vote(s, ballot_env.ctx, tokens[2], slug))
        unused = describe(check_vote(s, ballot_env.ctx, tokens[-1], slug))
    assert third == [
        "Executive committee: 1 Eve Online, 2 Ann Example, 3 Cy Twombly",
        "Chair: left blank",
        "Motion 1: affiliate to the campaign: No",
        f"Receipt code {receipts[2]['code']}.",
    ]
    assert unused == ["No vote was recorded for this token."]
