"""A keypad call for a ballot of several contests: contest by contest, skip, one read-back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballotbox.adapters.phone.simulator import call
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, ballots, client_for
from tests.golden.twiml import check


@pytest.fixture
def phone(ballot_env: BallotEnv) -> Iterator[TestClient]:
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def test_the_whole_call_matches_the_golden_files(ballot_env: BallotEnv, phone: TestClient) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    # A: 3 then 1, then # to finish; B: skipped with *; C: 1 (yes) ends it; confirm with 1.
    transcript = call(phone, f"{tokens[0].digits}#3#1##*#1#1", auth_token=AUTH)
    names = ["phone_contests_greeting", "phone_contests_ballot", "phone_contests_second_choice",
             "phone_contests_third_choice", "phone_contests_next", "phone_contests_skipped",
             "phone_contests_confirm", "phone_contests_cast"]  # fmt: skip
    assert len(transcript.documents) == len(names)
    for name, document in zip(names, transcript.documents, strict=True):
        check(name, document)
    # The call's progress (token, choices so far) travels sealed: never readable in a URL.
    assert not any(tokens[0].digits in d for d in transcript.documents)
    said = transcript.said
    assert said.index("Contest A, Executive committee, 3 seats.") < said.index(
        "Contest B, Chair."
    ) < said.index("Contest C, Motion 1: affiliate to the campaign.")  # fmt: skip
    assert "Here is your whole ballot." in said
    assert (
        "Contest A, Executive committee. Your choices are: first, Cy Twombly; second, Ann Example."
        in said
    )
    assert "Contest B, Chair. Left blank." in said
    assert "Contest C, Motion 1: affiliate to the campaign. You answered: Yes." in said
    [ballot] = ballots(ballot_env)
    assert ballot.channel == "phone"
    assert json.loads(ballot.choices) == {"A": [3, 1], "B": [], "C": [1]}


def test_starting_again_clears_every_contest(ballot_env: BallotEnv, phone: TestClient) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    keys = f"{tokens[0].digits}#1##2##2#2#*#*#3##1"
    transcript = call(phone, keys, auth_token=AUTH)
    assert "Let's start your choices again." in transcript.said
    [ballot] = ballots(ballot_env)
    assert json.loads(ballot.choices) == {"A": [], "B": [], "C": [3]}


def test_skipping_every_contest_asks_again_then_ends_without_a_vote(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    transcript = call(phone, f"{tokens[0].digits}#" + "*#" * 9, auth_token=AUTH)
    assert (
        transcript.said.count(
            "You skipped every contest, so there is nothing to record. Let's start again."
        )
        == 2
    )
    assert transcript.said[-1] == "No choice was made, so no vote was recorded. Goodbye."
    assert transcript.hung_up_by_server and ballots(ballot_env) == []


def test_errors_are_said_within_the_contest_and_the_list_repeats(
    ballot_env: BallotEnv, phone: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    keys = f"{tokens[0].digits}#9#2#2#0##4#*#2#1"
    transcript = call(phone, keys, auth_token=AUTH)
    said = transcript.said
    assert "Candidate 9 does not exist." in said
    assert "You ranked candidate 2 twice." in said
    # 0 in contest A reads A's list again (six candidates), not B's.
    assert said.count("The candidates are. 1: Ann Example. 2: Bob Builder. 3: Cy Twombly. "
                      "4: Dee Dee. 5: Eve Online. 6: Flo Rida.") == 2  # fmt: skip
    assert said.count("Contest A, Executive committee, 3 seats.") == 2
    assert "Candidate 4 does not exist." in said  # contest B has three
    assert "Contest C, Motion 1: affiliate to the campaign. You answered: No." in said
    [ballot] = ballots(ballot_env)
    assert json.loads(ballot.choices) == {"A": [2], "B": [], "C": [2]}


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(st.sampled_from(["*", "", "0", "1", "2", "3", "7", "1*", "**", "9999"]),
                        max_size=14))  # fmt: skip
def test_fuzzed_keys_never_crash_and_cast_only_what_was_read_back(
    sqlite_env: BallotEnv, entries: list[str]
) -> None:
    slug = "fuzz-contests"
    if slug not in sqlite_env.tokens:
        make_three_contest_ballot(sqlite_env, slug, tokens=120)
    used = {b.token for b in ballots(sqlite_env)}
    token = next(t for t in sqlite_env.tokens[slug] if t.digits not in used)
    transcript = call(client_for(sqlite_env), [token.digits, *entries], auth_token=AUTH)
    assert set(transcript.statuses) == {200}
    cast = [b for b in ballots(sqlite_env) if b.token == token.digits]
    if not cast:
        assert "Your vote has been recorded. Thank you." not in transcript.said
        return
    stored = json.loads(cast[0].choices)
    assert set(stored) == {"A", "B", "C"} and any(stored.values())
    # What was stored is what the last read-back said, contest by contest.
    last = max(i for i, said in enumerate(transcript.said) if said == "Here is your whole ballot.")
    for key, line in zip("ABC", transcript.said[last + 1 : last + 4], strict=True):
        assert line.startswith(f"Contest {key},")
        assert line.endswith("Left blank.") == (stored[key] == [])
