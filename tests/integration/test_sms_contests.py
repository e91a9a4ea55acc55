"""Texting a ballot of several contests through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballotbox.adapters.sms.simulator import send
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for
from tests.golden.twiml import check


@pytest.fixture
def sms(ballot_env: BallotEnv) -> Iterator[TestClient]:
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_the_token_alone_lists_every_contest_with_its_key(
    ballot_env: BallotEnv, sms: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    reply = send(sms, tokens[0].grouped, auth_token=AUTH)
    check("sms_contests_ballot", reply.body)
    text = " ".join(reply.messages)
    assert all(len(m) <= 160 for m in reply.messages)
    for line in ("A: Executive committee (number in order of preference, 3 seats):",
                 "B: Chair (number in order of preference): 1 Ann Example, 2 Mo Farah, 3 Nye",
                 "C: Motion 1: affiliate to the campaign: YES, NO or ABSTAIN.",
                 "e.g. TOKEN A 3 2 1 B 3 2 1 C YES"):  # fmt: skip
        assert line in text
    assert ballots(ballot_env) == []


def test_a_vote_in_every_contest_is_cast_once_and_read_back(
    ballot_env: BallotEnv, sms: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    reply = send(sms, f"{tokens[0].grouped} a 3 1 2 B 2 c yes", auth_token=AUTH)
    check("sms_contests_vote", reply.body)
    text = " ".join(reply.messages)
    assert "A: 1 Cy Twombly, 2 Ann Example, 3 Bob Builder. B: 1 Mo Farah. C: Yes." in text
    [ballot] = ballots(ballot_env)
    assert ballot.channel == "sms"
    assert json.loads(ballot.choices) == {"A": [3, 1, 2], "B": [2], "C": [1]}


def test_a_contest_left_out_is_read_back_as_blank(ballot_env: BallotEnv, sms: TestClient) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    reply = send(sms, f"{tokens[0].grouped} C NO", auth_token=AUTH)
    assert "A: left blank. B: left blank. C: No." in " ".join(reply.messages)
    [ballot] = ballots(ballot_env)
    assert json.loads(ballot.choices) == {"A": [], "B": [], "C": [2]}


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("sms_contests_error_twice", "A 1 1 B 2",
         "Contest A, Executive committee: You ranked candidate 1 twice."),
        ("sms_contests_error_no_key", "3 1 2",
         "Put each contest's letter before its choices, e.g. TOKEN A 3 2 1 B 3 2 1 C YES."),
        ("sms_contests_error_candidate", "A 1 B 4",
         "Contest B, Chair: Candidate 4 does not exist."),
        ("sms_contests_error_answer", "C MAYBE",
         'Contest C, Motion 1: affiliate to the campaign: "MAYBE" is not an answer: reply YES, NO '
         "or ABSTAIN."),
        ("sms_contests_error_blank", "A B C",
         "Your ballot is blank: make a choice in at least one contest."),
        ("sms_contests_error_key", "A 1 D 2",
         "Contest A, Executive committee: There is no contest D on this ballot; its contests are "
         "A, B, C."),
    ],
)  # fmt: skip
def test_mistakes_name_the_contest_and_cast_nothing(
    ballot_env: BallotEnv, sms: TestClient, name: str, text: str, said: str
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    reply = send(sms, f"{tokens[0].grouped} {text}", auth_token=AUTH)
    check(name, reply.body)
    assert " ".join(reply.messages) == said
    assert ballots(ballot_env) == []


words = st.lists(
    st.sampled_from(["A", "B", "C", "a", "3", "1", "2", "6", "7", "312", "yes", "N", "abstain", "-",
                     ":", "B2", "A:1", "C-no", "x", "1,2", "0", "Z", "HELP"]),
    max_size=10,
).map(" ".join)  # fmt: skip


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=words)
def test_fuzzed_texts_always_get_a_reply_and_cast_only_what_was_read_back(
    sqlite_env: BallotEnv, text: str
) -> None:
    slug = "fuzz-contests"
    if slug not in sqlite_env.tokens:
        make_three_contest_ballot(sqlite_env, slug, tokens=300)
    used = {b.token for b in ballots(sqlite_env)}
    token = next(t for t in sqlite_env.tokens[slug] if t.digits not in used)
    with client_for(sqlite_env) as client:
        reply = send(client, f"{token.grouped} {text}", auth_token=AUTH)
    assert reply.status == 200 and reply.messages and all(reply.messages)
    cast = [b for b in ballots(sqlite_env) if b.token == token.digits]
    if not cast:
        assert "Vote recorded" not in reply.messages[0]
        return
    assert "Vote recorded" in reply.messages[0]
    stored = json.loads(cast[0].choices)
    assert set(stored) == {"A", "B", "C"} and any(stored.values())
    said = " ".join(reply.messages)
    for key, choices in stored.items():
        assert (f"{key}: left blank." in said) == (choices == [])
