"""A ballot of three contests with hostile titles, names and statements: every page, no markup.

The same scan as :mod:`tests.integration.test_hostile_names`, over the pages
that a ballot of several contests adds or changes: a fieldset per contest on
the ballot, the review and receipt per contest, errors named by contest, the
election page and the results, check and audit pages per contest, and the
teller's keying form, keying error and adjudication per contest.  Contest
titles and descriptions, candidate names and statements are hostile in every
contest; titles with ``%``, ``{0}`` and ``%(x)s`` also prove that the messages
naming a contest never use its title as a format string.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ballotbox.app import create_app
from ballotbox.core.tokens.format import Token
from ballotbox.definition import definition_from_dict
from ballotbox.services import elections, issuance, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.contest_ballots import VOTES, three_contests
from tests.fixtures.elections import OPENS, BallotEnv
from tests.integration.test_hostile_names import (
    DESCRIPTION,
    HTML,
    LABEL,
    NAMES,
    STATEMENT,
    TITLE,
    TYPED,
    assert_inert,
    csrf,
)
from tests.unit.postal.support import PASSWORD, add_tellers, open_batch

SLATE = [*NAMES, "<svg onload=alert(4) id=evil-svg>Eve", "Flo {{ 7*7 }} {% raw %}"]
CHAIR = [NAMES[2], NAMES[0], "<style>body{display:none}</style>Nye %(name)s"]
CONTEST_TITLES = {
    "A": "<b id='evil-contest-a'>Executive</b> 100% {0}",
    "B": '"><script>alert(3)</script>Chair %(x)s',
    "C": "<meta http-equiv='refresh' content='0;url=https://evil.example'>Motion %s",
}
CONTEST_DESCRIPTION = '<form action="https://evil.example"><button>Go</button></form>Read this'


def publishable(text: str) -> str:
    """``text`` as a published bundle can hold it (a .blt file has no double quotes)."""
    return text.replace('"', "'")


def hostile_document(slug: str, clean: Any = str, **extra: Any) -> dict[str, Any]:
    """The three-contest ballot with every title, description, name and statement hostile."""
    doc = copy.deepcopy(three_contests(slug, **extra))  # the fixture's candidate lists are shared
    doc.update(title=clean(TITLE), description=clean(DESCRIPTION))
    names = {"A": SLATE, "B": CHAIR}
    for contest in doc["contests"]:
        key = contest["key"]
        contest.update(title=clean(CONTEST_TITLES[key]), description=clean(CONTEST_DESCRIPTION))
        for candidate, name in zip(contest.get("candidates", []), names.get(key, []), strict=True):
            first = candidate["number"] == 1
            candidate.update(name=clean(name), statement=clean(STATEMENT) if first else "")
    return doc


def make_hostile(env: BallotEnv, doc: dict[str, Any], tokens: int = 4) -> list[Token]:
    """Define, issue and open ``doc``; the printed tokens."""
    definition = definition_from_dict(doc)
    with env.session() as s:
        election = elections.create(s, env.ctx, definition)
        issued = issuance.issue(s, env.ctx, election, tokens)
        env.clock.set(max(env.clock.now(), definition.opens))
        elections.open_now(s, env.ctx, election)
    return issued


def published_hostile(env: BallotEnv, tmp_path: Path) -> str:
    """The hostile three-contest ballot, voted, closed, counted and published."""
    opens, closes = OPENS - timedelta(days=4), OPENS - timedelta(days=2)
    doc = hostile_document("old-agm", publishable, opens=opens, closes=closes)
    tokens = make_hostile(env, doc, tokens=len(VOTES))
    for token, ballot in zip(tokens, VOTES, strict=True):
        with env.session() as s:
            cast(s, env.ctx, token, ballot, "web")
    env.clock.set(closes)
    with env.session() as s:
        elections.apply_all_due(s, env.ctx)
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, "old-agm"))
    with env.session() as s:
        election = repository.election_by_slug(s, "old-agm")
        publishing.publish(s, env.ctx, election, tmp_path / "bundle")
    return "old-agm"


TITLES = tuple(CONTEST_TITLES.values())
SHOWN = (TITLE, *TITLES, *SLATE, *CHAIR)


def test_every_page_of_a_three_contest_ballot_shows_hostile_data_as_text(
    ballot_env: BallotEnv, tmp_path: Path
) -> None:
    env = ballot_env
    old = published_hostile(env, tmp_path)
    tokens = make_hostile(env, hostile_document("agm-2027"))
    add_tellers(env, ann="teller", sue="teller", sam="supervisor")
    batch = open_batch(env, "agm-2027", 3, label=LABEL)
    with TestClient(create_app(env.settings, env.ctx)) as client:
        assert_inert(client.get("/", headers=HTML).text, "home", shows=(TITLE,))
        page = client.get("/elections/agm-2027", headers=HTML)
        assert page.status_code == 200
        assert_inert(page.text, "election page", shows=(*SHOWN, "vote for me", "Read this"))
        ballot = client.get(f"/v/{tokens[0].digits}", headers=HTML)
        assert ballot.status_code == 200 and ballot.text.count('<fieldset class="contest') == 3
        assert_inert(ballot.text, "ballot", shows=(*SHOWN, "vote for me", "Read this", "Yes"))
        _voting(client, tokens[0])
        published = tuple(publishable(text) for text in SHOWN)
        for page_path in ("", "/audit", "/results", "/check"):
            for where, shown in (("agm-2027", (TITLE,)), (old, published)):
                if page_path == "/results" and where != old:
                    continue
                answer = client.get(f"/elections/{where}{page_path}", headers=HTML)
                assert answer.status_code == 200, (where, page_path)
                assert_inert(answer.text, f"{where}{page_path}", shows=shown[:1])
        for page_path in ("", "/results"):
            answer = client.get(f"/elections/{old}{page_path}", headers=HTML).text
            assert_inert(answer, f"published {page_path}", shows=published)
            assert answer.count('<table class="rounds">') == 3, page_path
        _teller_pages(client, batch, tokens)


def _voting(client: TestClient, token: Token) -> None:
    """Review, an error in two contests, back to the ballot, cast and the receipt."""
    form = {"csrf_token": csrf(client), "token": token.digits}
    marks = {"rank_A_1": "1", "rank_A_5": "2", "rank_B_3": "1", "choice_C": "1"}
    review = client.post("/ballot/review", data={**form, **marks}, headers=HTML)
    assert review.status_code == 200
    assert_inert(review.text, "review", shows=(*TITLES, SLATE[0], SLATE[4], CHAIR[2], "Yes"))
    hidden = dict(re.findall(r'name="(choices_[A-C])" value="([^"]*)"', review.text))
    assert hidden == {"choices_A": "1 5", "choices_B": "3", "choices_C": "1"}
    bad = {"rank_A_1": "1", "rank_A_2": "1", "rank_B_1": TYPED}
    wrong = client.post("/ballot/review", data={**form, **bad}, headers=HTML)
    assert wrong.status_code == 422
    assert_inert(wrong.text, "ballot with errors", shows=(*TITLES, *SLATE, *CHAIR))
    assert f"Contest A, {CONTEST_TITLES['A']}" in _text(wrong.text)
    assert f"Contest B, {CONTEST_TITLES['B']}" in _text(wrong.text)
    back = client.post("/ballot/change", data={**form, **hidden}, headers=HTML)
    assert back.status_code == 200
    assert_inert(back.text, "ballot again", shows=(*TITLES, *SLATE, *CHAIR))
    receipt = client.post("/ballot/cast", data={**form, **hidden}, headers=HTML)
    assert receipt.status_code == 201, receipt.text[:500]
    assert_inert(receipt.text, "receipt", shows=(TITLE, *TITLES, SLATE[0], SLATE[4], CHAIR[2]))


def _text(html: str) -> str:
    """The page's text with its markup and runs of white space gone."""
    scan = re.sub(r"<[^>]*>", "", html)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&#34;", '"'), ("&#39;", "'"),
                         ("&quot;", '"'), ("&amp;", "&")):  # fmt: skip
        scan = scan.replace(entity, char)
    return re.sub(r"\s+", " ", scan)


def _sign_in(client: TestClient, name: str) -> None:
    client.cookies.clear()
    answer = client.post(
        "/teller/login",
        data={"csrf_token": csrf(client, "/teller/login"), "username": name, "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]


def _key(client: TestClient, batch: int, token: Token, marks: dict[str, str]) -> Any:
    data = {"csrf_token": csrf(client, f"/teller/batches/{batch}/key"), "letter": "1",
            "token": token.digits, "spoilt": "", **marks}  # fmt: skip
    return client.post(f"/teller/batches/{batch}/key", data=data, headers=HTML)


def _teller_pages(client: TestClient, batch: int, tokens: list[Token]) -> None:
    _sign_in(client, "ann")
    assert_inert(client.get("/teller", headers=HTML).text, "teller home", shows=(TITLE, LABEL))
    keying = client.get(f"/teller/batches/{batch}/key", headers=HTML)
    assert keying.status_code == 200
    assert_inert(keying.text, "keying form", shows=(*TITLES, *SLATE, *CHAIR, "Yes"))
    bad = _key(client, batch, tokens[1], {"mark_B_1": "1", "mark_B_2": "1", "mark_A_1": TYPED})
    assert bad.status_code == 422
    assert_inert(bad.text, "keying error", shows=(*TITLES, CHAIR[0]))
    assert _key(client, batch, tokens[1], {"mark_A_1": "1", "mark_C_1": "X"}).status_code == 200
    _sign_in(client, "sue")
    differs = _key(client, batch, tokens[1], {"mark_A_1": "1", "mark_C_2": "X"})
    assert "goes to a supervisor" in differs.text
    _sign_in(client, "sam")
    for path in ("/teller/adjudication", "/teller/elections/agm-2027/reconciliation"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert_inert(page.text, path, shows=(TITLE,) if "reconciliation" in path else ())
    adjudicate = client.get(f"/teller/adjudication/{batch}/1", headers=HTML)
    assert adjudicate.status_code == 200
    assert_inert(adjudicate.text, "adjudication", shows=(LABEL, *TITLES, *SLATE, *CHAIR))
