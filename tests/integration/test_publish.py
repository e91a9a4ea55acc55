"""``publish`` on a real database: the bundle verifies, tampering shows, nothing is overwritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ballotbox.core.audit.bundle import pretty_json
from ballotbox.core.audit.verify import main as verify
from ballotbox.core.errors import LifecycleError, OutputExistsError
from ballotbox.core.tokens.format import Token
from ballotbox.services import elections, issuance, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.models import ElectionState
from tests.fixtures.elections import CLOSES, OPENS, BallotEnv

VOTES = [([1, 3, 2], "web"), ([2, 1], "sms"), ([3], "phone"), ([1, 2], "postal"), ([4, 1], "web")]


def run_election(
    env: BallotEnv, slug: str = "test-2027"
) -> tuple[str, list[Token], list[dict[str, Any]]]:
    """Open, cast VOTES (token 5 stays unused, the last is voided before opening), close, count."""
    slug, tokens = env.make_election(slug, tokens=7, open_=False)
    with env.session() as s:
        issuance.void(s, env.ctx, repository.election_by_slug(s, slug), [tokens[6]])
    env.clock.set(OPENS)
    with env.session() as s:
        elections.open_now(s, env.ctx, repository.election_by_slug(s, slug))
    receipts = []
    for token, (choices, channel) in zip(tokens, VOTES, strict=False):
        with env.session() as s:
            receipts.append(cast(s, env.ctx, token, choices, channel).receipt)
    env.clock.set(CLOSES)
    with env.session() as s:
        elections.close_now(s, env.ctx, repository.election_by_slug(s, slug))
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
    return slug, tokens, receipts


def publish(env: BallotEnv, slug: str, out: Path) -> publishing.Published:
    with env.session() as s:
        return publishing.publish(s, env.ctx, repository.election_by_slug(s, slug), out)


def test_a_published_bundle_verifies_with_a_real_receipt(
    ballot_env: BallotEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    done = publish(ballot_env, slug, tmp_path / "bundle")
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(pretty_json(receipts[2]))
    assert verify([str(done.directory), "--receipt", str(receipt)]) == 0
    assert verify([str(done.archive)]) == 0
    out = capsys.readouterr().out
    assert "OK: all 13 checks hold." in out
    csv = (done.directory / "ballots.csv").read_text().splitlines()
    assert csv[0] == "token,channel,choices"
    assert sorted(csv[1:]) == csv[1:] and len(csv) == 1 + len(VOTES)
    assert f"{tokens[0].digits},web,1 3 2" in csv
    rows = (done.directory / "tokens.csv").read_text().splitlines()[1:]
    states = dict(line.split(",") for line in rows)
    assert sorted(states.values()) == ["unused", "void"] + ["voted"] * 5
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert election.state == ElectionState.PUBLISHED
        assert election.id is not None
        last = repository.log_entries(s, election.id)[-1]
    assert last.kind == "published"
    # The last checkpoint covers the whole log, published entry included.
    checkpoints = json.loads((done.directory / "checkpoints.json").read_text())
    assert checkpoints[-1]["body"]["position"] == last.position


def test_one_flipped_byte_in_ballots_csv_fails_verification_by_name(
    ballot_env: BallotEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slug, tokens, _ = run_election(ballot_env)
    done = publish(ballot_env, slug, tmp_path / "bundle")
    path = done.directory / "ballots.csv"
    text = path.read_text()
    line = f"{tokens[1].digits},sms,2 1"
    assert line in text
    path.write_text(text.replace(line, f"{tokens[1].digits},sms,2 3"))  # one byte: 1 → 3
    assert verify([str(done.directory)]) == 1
    out = capsys.readouterr().out
    assert "✗" in out and "ballots.csv" in out
    assert "ballots.csv: SHA-256 does not match the manifest (file altered)" in out
    assert "ballots.blt: the ballots differ from ballots.csv" in out
    assert "FAILED: 2 of 12 checks found problems." in out


def test_publish_refuses_an_existing_directory_and_an_uncounted_election(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    open_slug, _ = ballot_env.make_election("still-open", tokens=2)
    slug, _, _ = run_election(ballot_env)
    (tmp_path / "taken").mkdir()
    with pytest.raises(OutputExistsError):
        publish(ballot_env, slug, tmp_path / "taken")
    with ballot_env.read() as s:
        assert repository.election_by_slug(s, slug).state == ElectionState.COUNTED
    with pytest.raises(LifecycleError):
        publish(ballot_env, open_slug, tmp_path / "open")
    assert not (tmp_path / "open").exists()
    publish(ballot_env, slug, tmp_path / "bundle")
    with pytest.raises(LifecycleError):  # published once; never again
        publish(ballot_env, slug, tmp_path / "second")


def test_the_stored_copy_is_the_bundle_byte_for_byte_with_a_check_list(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    slug, tokens, receipts = run_election(ballot_env)
    done = publish(ballot_env, slug, tmp_path / "bundle")
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        for path in done.directory.iterdir():
            assert publishing.stored_file(s, election, path.name) == path.read_bytes()
        assert publishing.stored_file(s, election, "bundle.zip") == done.archive.read_bytes()
        check = json.loads(publishing.stored_file(s, election, "ballots.json") or b"{}")
    assert check["election"] == slug
    assert check["ballots"][tokens[0].digits] == ["web", [1, 3, 2], receipts[0]["code"]]
    # Every voter's published code is the one their receipt (or text, or call) gave them.
    for token, receipt in zip(tokens, receipts, strict=False):
        assert check["ballots"][token.digits][2] == receipt["code"]
    assert len(check["unused"]) == 1 and len(check["void"]) == 1
    assert tokens[5].digits not in json.dumps(check)  # unused tokens are never published in clear
