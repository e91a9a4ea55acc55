"""The voting pages for a ballot of several contests, through the real app on both databases."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ballotbox.app import create_app
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import ballots


@pytest.fixture
def client(ballot_env: BallotEnv) -> Iterator[TestClient]:
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as c:
        yield c


def csrf(client: TestClient) -> str:
    client.get("/")
    return str(client.cookies["bb_csrf"])


def sections(html: str) -> list[str]:
    """The contest headings of a page, in order."""
    return re.findall(r'<span class="contest-key">Contest ([A-Z])</span>', html)


def test_one_page_one_review_one_cast_for_three_contests(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=2)
    token = csrf(client)
    page = client.post("/ballot", data={"token": tokens[0].grouped, "csrf_token": token})
    assert page.status_code == 200 and sections(page.text) == ["A", "B", "C"]
    assert 'name="rank_A_6"' in page.text and 'name="rank_B_3"' in page.text
    assert 'name="choice_C" type="radio" value="2"' in page.text
    assert "3 will be elected" in page.text and "Leave this question blank" in page.text
    marks = {"rank_A_3": "1", "rank_A_1": "2", "rank_B_2": "1", "choice_C": ""}
    review = client.post("/ballot/review", data={"token": tokens[0].digits, "csrf_token": token,
                                                 **marks})  # fmt: skip
    assert review.status_code == 200 and sections(review.text) == ["A", "B", "C"]
    assert re.search(r"Cy Twombly.*Ann Example.*Mo Farah.*Left blank", review.text, re.S)
    hidden = dict(re.findall(r'name="(choices_[A-C])" value="([^"]*)"', review.text))
    assert hidden == {"choices_A": "3 1", "choices_B": "2", "choices_C": ""}
    back = client.post("/ballot/change", data={"token": tokens[0].digits, "csrf_token": token,
                                               **hidden})  # fmt: skip
    assert re.search(r'name="rank_A_3"[^>]*value="1"', back.text, re.S)
    assert re.search(r'name="rank_B_2"[^>]*value="1"', back.text, re.S)
    done = client.post("/ballot/cast", data={"token": tokens[0].digits, "csrf_token": token,
                                             **hidden})  # fmt: skip
    assert done.status_code == 201 and "Your vote has been recorded" in done.text
    assert sections(done.text) == ["A", "B", "C"]
    # The receipt's download link saves the signed receipt the page shows, exactly.
    [shown] = re.findall(r'<pre class="receipt">(.*?)</pre>', done.text, re.S)
    [link] = re.findall(r'href="data:application/json;base64,([A-Za-z0-9+/=]+)"', done.text)
    assert base64.b64decode(link).decode() == html.unescape(shown)
    signed = json.loads(html.unescape(shown))
    assert signed["body"]["election"] == _slug and signed["signature"]
    assert re.search(r"Cy Twombly.*Ann Example.*Mo Farah.*Left blank", done.text, re.S)
    [ballot] = ballots(ballot_env)
    assert json.loads(ballot.choices) == {"A": [3, 1], "B": [2], "C": []}
    again = client.post("/ballot/cast", data={"token": tokens[0].digits, "csrf_token": token,
                                              **hidden})  # fmt: skip
    assert again.status_code == 409 and "already been used" in again.text


def test_every_problem_is_named_by_contest_and_links_to_its_field(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    token = csrf(client)
    marks = {"rank_A_1": "1", "rank_A_2": "1", "rank_B_1": "first", "choice_C": "1"}
    page = client.post("/ballot/review", data={"token": tokens[0].digits, "csrf_token": token,
                                               **marks})  # fmt: skip
    assert page.status_code == 422 and 'role="alert"' in page.text
    summary = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', page.text)
    assert [(field, text.split(":")[0]) for field, text in summary] == [
        ("rank_A_2", "Contest A, Executive committee"),
        ("rank_B_1", "Contest B, Chair"),
    ]
    assert "Two candidates are marked 1" in summary[0][1]
    assert "“first” next to Ann Example is not a number" in summary[1][1].replace("&#34;", "")
    # The fields in error are marked, the contest is described by its error, input kept.
    assert re.search(r'id="rank_A_2"[^>]*aria-invalid="true"', page.text, re.S)
    assert 'aria-describedby="hint-A error-A"' in page.text
    assert re.search(r'name="rank_B_1"[^>]*value="first"', page.text, re.S)
    assert re.search(r'name="choice_C" type="radio" value="1"\s*checked', page.text)


def test_a_wholly_blank_ballot_is_refused_and_a_list_for_several_contests_too(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = make_three_contest_ballot(ballot_env, tokens=1)
    token = csrf(client)
    page = client.post("/ballot/review", data={"token": tokens[0].digits, "csrf_token": token})
    assert page.status_code == 422 and "Your ballot is blank" in page.text
    assert '<a href="#rank_A_1">' in page.text
    # A forged cast with one contest's list for a ballot of three is refused by cast().
    r = client.post("/ballot/cast", data={"token": tokens[0].digits, "csrf_token": token,
                                          "choices": "1"})  # fmt: skip
    assert r.status_code == 422 and "3 contests" in r.text
    r = client.post("/ballot/cast", data={"token": tokens[0].digits, "csrf_token": token,
                                          "choices_Z": "1"})  # fmt: skip
    assert r.status_code == 422 and "no contest Z" in r.text
    assert ballots(ballot_env) == []


def test_the_election_page_lists_every_contest(ballot_env: BallotEnv, client: TestClient) -> None:
    make_three_contest_ballot(ballot_env, tokens=1)
    page = client.get("/elections/agm-2027")
    assert page.status_code == 200
    headings = re.findall(r"<h2 id=\"contest-[A-C]\">([^<]+)</h2>", page.text)
    assert headings == ["Contest A: Executive committee", "Contest B: Chair",
                        "Contest C: Motion 1: affiliate to the campaign"]  # fmt: skip
    assert "Mo Farah" in page.text and "Abstain" in page.text
