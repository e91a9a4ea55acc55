"""The results, election and check pages of a published ballot of three contests, both databases."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ballotbox.app import create_app
from tests.fixtures.contest_ballots import make_three_contest_ballot, publish_three_contest_ballot
from tests.fixtures.elections import BallotEnv

HTML = {"accept": "text/html"}


@pytest.fixture
def client(ballot_env: BallotEnv) -> Iterator[TestClient]:
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as c:
        yield c


def test_the_results_page_shows_every_contest_round_by_round(
    ballot_env: BallotEnv, client: TestClient, tmp_path: Path
) -> None:
    slug, _tokens, _receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    page = client.get(f"/elections/{slug}/results", headers=HTML)
    assert page.status_code == 200
    headings = re.findall(r'<h2 id="contest-([A-C])-result-heading">([^<]+)</h2>', page.text)
    assert headings == [("A", "Contest A: Executive committee"), ("B", "Contest B: Chair"),
                        ("C", "Contest C: Motion 1: affiliate to the campaign")]  # fmt: skip
    assert page.text.count('<table class="rounds">') == 3
    # Ids stay unique with three charts on the page.
    ids = re.findall(r'id="([^"]+)"', page.text)
    assert len(ids) == len(set(ids))
    blanks = re.findall(r"Left blank on (\d+) ballot", page.text)
    assert blanks == ["1", "2", "2"]
    for key in "ABC":
        assert f"/bundle/ballots-{key}.blt" in page.text
        blt = client.get(f"/elections/{slug}/bundle/ballots-{key}.blt")
        assert blt.status_code == 200 and blt.text.strip()
    assert client.get(f"/elections/{slug}/bundle/ballots-D.blt").status_code == 404
    assert client.get(f"/elections/{slug}/bundle/ballots.blt").status_code == 404
    election = client.get(f"/elections/{slug}", headers=HTML).text
    assert election.count('<table class="rounds">') == 3 and "Contest C: Motion 1" in election


def test_the_check_page_describes_a_column_per_contest_and_its_list_has_every_contest(
    ballot_env: BallotEnv, client: TestClient, tmp_path: Path
) -> None:
    slug, tokens, receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    page = client.get(f"/elections/{slug}/check", headers=HTML).text
    assert "then one column per contest (A, B, C)" in page
    listed = json.loads(client.get(f"/elections/{slug}/ballots.json").text)
    assert [c["key"] for c in listed["contests"]] == ["A", "B", "C"]
    channel, choices, code = listed["ballots"][tokens[2].digits]
    assert choices == {"A": [5, 1, 3], "B": [], "C": [2]} and code == receipts[2]["code"]


def test_before_the_count_no_contest_shows_a_result(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    make_three_contest_ballot(ballot_env, tokens=1)
    page = client.get("/elections/agm-2027/results", headers=HTML).text
    assert 'id="no-results"' in page and "rounds" not in page
