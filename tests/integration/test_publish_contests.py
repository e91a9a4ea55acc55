"""Counting and publishing a ballot of three contests on a real database (both backends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ballotbox.core.audit.bundle import pretty_json
from ballotbox.core.audit.receipts import receipt_code
from ballotbox.core.audit.verify import main as verify
from ballotbox.services import elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import CLOSES, BallotEnv

VOTES: list[tuple[dict[str, list[int | str]], str]] = [
    ({"A": [1, 2, 3], "B": [2], "C": ["yes"]}, "web"),
    ({"A": [2, 4], "C": ["no"]}, "sms"),
    ({"B": [3, 1], "C": ["yes"]}, "phone"),
    ({"A": [5, 1, 6], "B": [1, 3], "C": ["abstain"]}, "postal"),
    ({"A": [3], "B": [1], "C": ["yes"]}, "web"),
]


def test_every_contest_is_counted_published_and_verified(
    ballot_env: BallotEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slug, tokens = make_three_contest_ballot(ballot_env, tokens=7)
    receipts = []
    for token, (choices, channel) in zip(tokens, VOTES, strict=False):
        with ballot_env.session() as s:
            receipts.append(cast(s, ballot_env.ctx, token, choices, channel))
    ballot_env.clock.set(CLOSES)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, slug)
        elections.apply_due_transitions(s, ballot_env.ctx, election)
        count = tally.tally(s, ballot_env.ctx, election)
    assert list(count.results) == ["A", "B", "C"]
    assert count.blank == {"A": 1, "B": 1, "C": 0}
    assert count.results["A"].valid_poll == 4 and count.results["C"].valid_poll == 5
    assert count.results["A"].seed == "test-seed/A"
    assert count.results["C"].outcome == "carried"  # Yes 3 of Yes and No 4: more than 2/3
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, slug)
        assert tally.contest_results(election)["B"]["title"] == "Chair"
        assert tally.stored_count(election) == count
        done = publishing.publish(s, ballot_env.ctx, election, tmp_path / "bundle")
        check = json.loads(publishing.stored_file(s, election, "ballots.json") or b"{}")
        blt = publishing.stored_file(s, election, "ballots-B.blt")
    names = sorted(p.name for p in done.directory.iterdir())
    assert "ballots-A.blt" in names and "ballots-C.blt" in names and "ballots.blt" not in names
    assert blt == (done.directory / "ballots-B.blt").read_bytes()
    receipt = tmp_path / "receipt.json"
    receipt.write_bytes(pretty_json(receipts[3].receipt))
    assert verify([str(done.archive), "--receipt", str(receipt)]) == 0
    assert "OK: all 13 checks hold." in capsys.readouterr().out

    assert check["candidates"] == {}
    assert [c["key"] for c in check["contests"]] == ["A", "B", "C"]
    assert check["contests"][2]["candidates"] == {"1": "Yes", "2": "No", "3": "Abstain"}
    channel, choices, code = check["ballots"][tokens[1].digits]
    assert (channel, choices) == ("sms", {"A": [2, 4], "B": [], "C": [2]})
    assert (
        code
        == receipts[1].code
        == receipt_code(
            bytes.fromhex(receipts[1].receipt["body"]["token_hash"]),
            bytes.fromhex(receipts[1].receipt["body"]["ballot_hash"]),
        )
    )
