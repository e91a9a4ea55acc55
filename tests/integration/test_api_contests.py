"""The JSON API for a ballot of several contests, through the real app on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from ballotbox.app import create_app
from ballotbox.core.audit.chain import ballot_hash
from ballotbox.services import elections, tally
from ballotbox.storage import repository
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import CLOSES, BallotEnv

URL = "/api/v1/elections/agm-2027/ballots"


@pytest.fixture
def client(ballot_env: BallotEnv) -> Iterator[TestClient]:
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as c:
        yield c


def test_one_cast_carries_every_contest_and_its_receipt_covers_the_whole_ballot(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=3)
    ok = client.post(
        URL, json={"token": tokens[0].grouped, "choices": {"A": [3, 1, 2], "b": [2], "C": ["Yes"]}}
    )
    assert ok.status_code == 201, ok.text
    body = ok.json()
    assert body["ballot"] == {"A": [3, 1, 2], "B": [2], "C": [1]}
    assert body["ballot_names"] == {
        "A": ["Cy Twombly", "Ann Example", "Bob Builder"],
        "B": ["Mo Farah"],
        "C": ["Yes"],
    }
    assert body["choices"] == [3, 1, 2]  # the first contest's, as before
    recorded = {"A": [3, 1, 2], "B": [2], "C": [1]}
    assert body["receipt"]["body"]["ballot_hash"] == ballot_hash(tokens[0].digits, recorded).hex()
    blank = client.post(URL, json={"token": tokens[1].digits, "choices": {"C": ["no"]}})
    assert blank.status_code == 201 and blank.json()["ballot"] == {"A": [], "B": [], "C": [2]}
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, "agm-2027")
        assert election.id is not None
        stored = {b.token: b.choices for b in repository.ballots(s, election.id)}
    assert json.loads(stored[tokens[0].digits]) == recorded  # every contest, by key
    assert json.loads(stored[tokens[1].digits]) == {"A": [], "B": [], "C": [2]}


def test_errors_name_the_contest_and_change_nothing(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=2)
    token = tokens[0].digits
    cases = [
        ({"A": [1], "B": [9]}, "B", "Candidate 9 does not exist."),
        ({"A": [1, 1]}, "A", "You ranked candidate 1 twice."),
        ({"C": ["maybe"]}, "C", "“maybe” is not an answer: choose Yes, No or Abstain."),
        ({"C": [1, 2]}, "C", "Choose only one answer."),
        ({"D": [1]}, "D", "There is no contest D on this ballot."),
        ({"A": ["x"]}, "A", "“x” is not a candidate number."),
    ]
    for choices, contest, detail in cases:
        r = client.post(URL, json={"token": token, "choices": choices})
        assert r.status_code == 422, (choices, r.text)
        assert r.json() == {"error": "invalid_choices", "detail": detail, "contest": contest}
    for choices, detail in [
        ({}, "Your ballot is blank: make a choice in at least one contest."),
        ([1, 2], "This ballot has 3 contests: give the choices for each by its letter."),
    ]:
        r = client.post(URL, json={"token": token, "choices": choices})
        assert r.status_code == 422 and r.json() == {"error": "invalid_choices", "detail": detail}
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, "agm-2027")
        assert elections.overview(s, election).voted == 0
    assert client.post(URL, json={"token": token, "choices": {"B": [1]}}).status_code == 201


def test_the_election_shows_its_contests_and_the_result_every_contest(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=4)
    shown = client.get("/api/v1/elections/agm-2027").json()
    assert [c["key"] for c in shown["contests"]] == ["A", "B", "C"]
    assert shown["contests"][0]["seats"] == 3 and shown["contests"][2]["threshold"] == "2/3"
    assert [c["name"] for c in shown["contests"][2]["candidates"]] == ["Yes", "No", "Abstain"]
    assert "method" not in shown  # only a one-contest ballot keeps the flat fields
    assert client.get("/api/v1/elections/agm-2027/result").status_code == 404
    for token, choices in zip(
        tokens,
        [{"A": [1, 2], "B": [2], "C": ["yes"]}, {"A": [3], "C": ["yes"]}, {"B": [1, 3]}],
        strict=False,
    ):
        assert client.post(URL, json={"token": token.digits, "choices": choices}).status_code == 201
    ballot_env.clock.set(CLOSES)
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, "agm-2027")
        elections.apply_due_transitions(s, ballot_env.ctx, election)
        count = tally.tally(s, ballot_env.ctx, election)
    result = client.get("/api/v1/elections/agm-2027/result").json()
    assert set(result["contests"]) == {"A", "B", "C"} and result == count.to_json()
    assert result["blank"] == {"A": 1, "B": 1, "C": 1}
    assert result["contests"]["C"]["outcome"] == "carried"
    assert result["contests"]["B"]["title"] == "Chair"


def test_a_one_contest_ballot_keeps_its_shapes_and_gains_contests(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    shown = client.get("/api/v1/elections/test-2027").json()
    assert shown["method"] == "scottish-stv" and len(shown["candidates"]) == 4
    assert [c["key"] for c in shown["contests"]] == ["A"]
    url = "/api/v1/elections/test-2027/ballots"
    listed = client.post(url, json={"token": tokens[0].digits, "choices": [2, "1"]}).json()
    assert listed["choices"] == [2, 1] and listed["ballot"] == {"A": [2, 1]}
    keyed = client.post(url, json={"token": tokens[1].digits, "choices": {"A": [7]}})
    assert keyed.json()["contest"] == "A" and keyed.status_code == 422


def test_the_openapi_document_is_valid_and_describes_both_forms(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    validate(spec)
    post = spec["paths"]["/api/v1/elections/{slug}/ballots"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    ballot_in = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    forms = {option["type"] for option in ballot_in["properties"]["choices"]["anyOf"]}
    assert forms == {"object", "array"}
    assert "contest" in spec["components"]["schemas"]["ErrorOut"]["properties"]
