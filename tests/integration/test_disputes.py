"""Disputes on a real database: stored without sender details, marked by what the receipt proves."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, inspect, text
from sqlmodel import select

from ballotbox.core.errors import (
    DisputeLimitError,
    NotCheckableError,
    ReceiptLookalikeError,
    UnknownTokenError,
)
from ballotbox.core.tokens.format import generate
from ballotbox.services import elections, tally
from ballotbox.services.casting import cast
from ballotbox.services.disputes import ReceiptFormatError, dispute_summary, report_dispute
from ballotbox.storage import repository
from ballotbox.storage.models_offline import Dispute
from tests.fixtures.elections import CLOSES, BallotEnv
from tests.integration.test_publish import publish, run_election


def _publish_with_a_changed_and_a_lost_vote(
    env: BallotEnv, out: Path
) -> tuple[str, list[Any], list[Any]]:
    """Five votes cast; then a faulty server changes token 0's vote and loses token 1's."""
    slug, tokens = env.make_election(tokens=4)
    receipts = []
    for token, choices in zip(tokens, ([1, 2], [2], [3, 1]), strict=False):
        with env.session() as s:
            receipts.append(cast(s, env.ctx, token, choices, "web").receipt)
    with env.session() as s:
        election = repository.election_by_slug(s, slug)
        rows = {b.token: b for b in repository.ballots(s, election.id or 0)}
        rows[tokens[0].digits].choices = json.dumps([4])
        s.add(rows[tokens[0].digits])
        s.delete(rows[tokens[1].digits])
    env.clock.set(CLOSES)
    with env.session() as s:
        elections.apply_all_due(s, env.ctx)
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
    publish(env, slug, out)
    return slug, tokens, receipts


def test_a_valid_signed_receipt_for_a_changed_or_lost_vote_is_evidence(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, receipts = _publish_with_a_changed_and_a_lost_vote(ballot_env, tmp_path / "b")
    with ballot_env.session() as s:
        signed = json.dumps(receipts[0])
        changed = report_dispute(s, ballot_env.ctx, tokens[0].digits, channel="web",
                                 receipt=signed, text="I voted 1 then 2")  # fmt: skip
        lost = report_dispute(s, ballot_env.ctx, tokens[1].grouped, channel="web",
                              receipt=json.dumps(receipts[1]))  # fmt: skip
        fine = report_dispute(s, ballot_env.ctx, tokens[2].digits, channel="web",
                              receipt=json.dumps(receipts[2]))  # fmt: skip
        # Someone else's genuine receipt is not valid for this token.
        borrowed = report_dispute(s, ballot_env.ctx, tokens[3].digits, channel="web",
                                  receipt=json.dumps(receipts[2]))  # fmt: skip
        forged = dict(receipts[2], code="AAAAAAAA")
        bad = report_dispute(s, ballot_env.ctx, tokens[2].digits, channel="web",
                             receipt=json.dumps(forged))  # fmt: skip
    assert (changed.receipt_check, changed.evidence) == ("signed-differs", True)
    assert lost.receipt_check == "signed-differs" and lost.vote.status == "unused"
    assert fine.receipt_check == "signed-matches" and fine.receipt_valid
    assert borrowed.receipt_check == "not-valid" and not borrowed.receipt_valid
    assert bad.receipt_check == "not-valid"
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        summary = dispute_summary(s, election.id or 0)
        stored = repository.disputes(s, election.id or 0)
    assert summary["total"] == 5 and summary["signed-differs"] == 2
    assert summary["signed-matches"] == 1 and summary["not-valid"] == 2
    first = next(d for d in stored if d.token == tokens[0].digits)
    assert first.text == "I voted 1 then 2" and first.receipt_code == receipts[0]["code"]
    assert first.reported_on == ballot_env.clock.now().date()


def test_codes_are_checked_against_the_published_vote_and_typos_forgiven(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    code = receipts[0]["code"]
    typed = "-".join([code[:4].lower(), code[4:]])  # case and dashes forgiven
    with ballot_env.session() as s:
        right = report_dispute(s, ballot_env.ctx, tokens[0].digits, channel="sms", receipt=typed)
        wrong = report_dispute(s, ballot_env.ctx, tokens[1].digits, channel="sms", receipt=code)
        none = report_dispute(s, ballot_env.ctx, tokens[2].digits, channel="phone")
        with pytest.raises(ReceiptFormatError):
            report_dispute(s, ballot_env.ctx, tokens[2].digits, channel="sms", receipt="ABC")
        with pytest.raises(ReceiptLookalikeError):  # never in a code: a clear message, no guess
            report_dispute(s, ballot_env.ctx, tokens[2].digits, channel="sms", receipt="AB0D 2345")
        with pytest.raises(UnknownTokenError):
            report_dispute(s, ballot_env.ctx, generate().digits, channel="sms", receipt=code)
    assert (right.receipt_check, right.receipt_valid) == ("code-matches", True)
    assert (wrong.receipt_check, wrong.receipt_valid) == ("not-valid", False)
    assert none.receipt_check == "none" and not none.receipt_valid


def test_reports_wait_for_publication_and_a_token_has_at_most_five(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, _receipts = run_election(ballot_env)
    with ballot_env.session() as s, pytest.raises(NotCheckableError):
        report_dispute(s, ballot_env.ctx, tokens[0].digits, channel="web", election_slug=slug)
    publish(ballot_env, slug, tmp_path / "bundle")
    for _ in range(5):
        with ballot_env.session() as s:
            report_dispute(s, ballot_env.ctx, tokens[0].digits, channel="postal")
    with ballot_env.session() as s, pytest.raises(DisputeLimitError):
        report_dispute(s, ballot_env.ctx, tokens[0].digits, channel="postal")


def test_a_dispute_row_holds_no_sender_time_or_sequence(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    columns = {c.name: c for c in inspect(Dispute).columns}
    assert set(columns) == {"id", "election_id", "token", "receipt_code", "receipt_kind",
                            "receipt_valid", "receipt_check", "channel", "reported_on",
                            "text"}  # fmt: skip
    assert not any(isinstance(c.type, DateTime) for c in columns.values())
    slug, tokens, _receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    with ballot_env.session() as s:
        for token in tokens[:3]:
            report_dispute(s, ballot_env.ctx, token.digits, channel="sms")
    with ballot_env.read() as s:
        ids = [d.id for d in s.exec(select(Dispute)).all()]
        assert len(set(ids)) == 3 and all(len(i) == 16 for i in ids)  # random, not a counter
        if ballot_env.engine.dialect.name == "sqlite":
            sql = s.execute(text("SELECT sql FROM sqlite_master WHERE name='dispute'")).scalar()
            assert "WITHOUT ROWID" in str(sql)
        days = {d.reported_on for d in s.exec(select(Dispute)).all()}
    assert days == {ballot_env.clock.now().date()} and all(type(d) is date for d in days)


def test_a_letter_is_recorded_and_listed_from_the_command_line(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    from tests.fixtures.cli import one_error_line, run_cli

    slug, tokens, receipts = run_election(ballot_env)
    publish(ballot_env, slug, tmp_path / "bundle")
    done = run_cli(ballot_env, "disputes", "add", tokens[0].grouped, "--receipt",
                   receipts[0]["code"], "--text", "[bold]my vote[/] is wrong")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "code-matches" in done.stdout
    listed = run_cli(ballot_env, "disputes", "list", slug)
    assert tokens[0].grouped in listed.stdout and "postal" in listed.stdout
    assert "[bold]my vote[/] is wrong" in listed.stdout and "1 report(s)." in listed.stdout
    one_error_line(run_cli(ballot_env, "disputes", "add", "1234"), 2, "token")
    # A letter whose code has an O (never in a code): one clear line, nothing recorded.
    lookalike = run_cli(ballot_env, "disputes", "add", tokens[1].grouped, "--receipt", "R0GG YQSA")
    one_error_line(lookalike, 2, "Receipt codes never use O, 0, I or 1")
    assert "1 report(s)." in run_cli(ballot_env, "disputes", "list", slug).stdout
