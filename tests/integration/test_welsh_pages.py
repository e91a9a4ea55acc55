"""Every voting page, error page and the check page in Welsh: by the browser's header or the switch.

Each page is checked three ways: ``<html lang="cy">``; a Welsh sentence it
must show; and that no English a member could read is left on it (no
sentence of the English catalogue, no common English word), once the data
(organisation, titles, candidate names) is taken out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ballotbox.app import create_app
from ballotbox.core import i18n
from ballotbox.core.tokens.format import check_digits
from ballotbox.services import elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.elections import NAMES, OPENS, BallotEnv
from tests.unit.test_catalogue import tool

HTML = {"accept": "text/html"}
STRANGER = "1" * 18 + check_digits("1" * 18)  # well formed, issued for no ballot
# Words a Welsh page never needs: English that slipped through shows up as one of these.
ENGLISH = frozenset(
    """the your you vote votes voting and of is with this not has been for by was are will
    token tokens ballot ballots check candidate candidates choice choices please there that what
    which when after before page here from cast recorded result results download list open
    closed published counted yes abstain language skip main content secret site status method
    channel seats quota elected round rounds number digits card typing error sorry start go
    continue review change receipt problem found""".split()
) - {"problem"}  # "problem" is Welsh too
SKIPPED_TAGS = {"script", "style", "pre"}  # code and the data dumps (definition, receipt JSON)
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        self.parts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
        if tag == "input" and dict(attrs).get("type") in {"submit", "button"}:
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def readable(html: str, data: list[str]) -> str:
    """What a member reads on the page, without the data (names, titles) that is not ours."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    text = re.sub(r"[\w-]+\.(json|blt|zip|csv)\b", " ", text)  # file names are names
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    return text


def _english_sentences() -> list[str]:
    """Pieces of the English catalogue long enough to be unmistakable on a Welsh page."""
    pieces = []
    welsh = tool._read(tool.po_path("cy"))
    for key, message in tool.member_facing(tool._read(tool.POT)).items():
        if welsh.get(message.id) is not None and welsh[message.id].string == message.id:
            continue  # the same in both languages ("Problem", "result.json")
        for piece in re.split(r"\{\w+\}|%\(\w+\)s|\n", str(key)):
            if len(piece.split()) >= 3:
                pieces.append(piece.strip())
    return pieces


ENGLISH_SENTENCES = _english_sentences()


def english_left(html: str, data: list[str]) -> list[str]:
    """English sentences and words still on a page that should be all Welsh."""
    text = readable(html, data)
    found = [s for s in ENGLISH_SENTENCES if s in text]
    found += sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in ENGLISH})
    return found


@pytest.fixture
def site(sqlite_env: BallotEnv, tmp_path: Path) -> dict[str, Any]:
    """Ballots in every state a member can meet: open (three methods), not yet open, published."""
    env = sqlite_env
    early: dict[str, Any] = {
        "opens": OPENS - timedelta(days=30),
        "closes": OPENS - timedelta(days=20),
    }
    env.clock.set(early["opens"])
    done, done_tokens = env.make_election("done-2026", tokens=4, candidates=3, **early)
    for token, choices in zip(done_tokens, [[1, 2], [2], [3, 1]], strict=False):
        with env.session() as s:
            cast(s, env.ctx, token, choices, "web" if choices[0] != 2 else "sms")
    env.clock.set(early["closes"])
    with env.session() as s:
        elections.close_now(s, env.ctx, repository.election_by_slug(s, done))
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, done))
    with env.session() as s:
        election = repository.election_by_slug(s, done)
        publishing.publish(s, env.ctx, election, tmp_path / "bundle")
    env.make_election("exec-2027", tokens=6, candidates=5, seats=2)
    env.make_election("pick-2027", "plurality", tokens=2, max_choices=2)
    env.make_election("motion-2027", "referendum", tokens=2)
    env.make_election("later-2027", tokens=1, open_=False, opens=OPENS + timedelta(days=60),
                      closes=OPENS + timedelta(days=70))  # fmt: skip
    with env.session() as s:
        cast(s, env.ctx, env.tokens["exec-2027"][5], [2, 1], "sms")
    titles = [f"Test election {slug}" for slug in env.tokens]
    return {"env": env, "data": [env.settings.organisation, *titles, *NAMES, *env.tokens]}


@pytest.fixture(params=["accept-language", "switch"])
def welsh_client(request: pytest.FixtureRequest, site: dict[str, Any]) -> Iterator[TestClient]:
    """A client that asks for Welsh by its header, or by the switch (its cookie) with English
    still first in its header."""
    env = site["env"]
    with TestClient(create_app(env.settings, env.ctx)) as client:
        if request.param == "accept-language":
            client.headers.update({"accept-language": "cy-GB,cy;q=0.9", **HTML})
        else:
            client.headers.update({"accept-language": "en-GB,en;q=0.9", **HTML})
            switched = client.get("/?lang=cy")
            assert "bb_lang=cy" in switched.headers["set-cookie"]
        yield client
    i18n.set_locale("en")


def _form(client: TestClient, **fields: str) -> dict[str, str]:
    client.get("/")
    return {"csrf_token": client.cookies.get("bb_csrf") or "", **fields}


def every_page(client: TestClient, env: BallotEnv) -> dict[str, tuple[Any, str]]:
    """Each page a member can reach, with a Welsh sentence it must show."""
    exec_tokens, pick, motion = (env.tokens[s] for s in ("exec-2027", "pick-2027", "motion-2027"))
    good = exec_tokens[0].digits
    typo = good[:-1] + str((int(good[-1]) + 1) % 10)
    review = client.post("/ballot/review", data=_form(client, token=good, rank_3="1", rank_1="2"))
    pages = {
        "home": (client.get("/"), "Pleidleisiwch gyda'ch tocyn pleidleisio"),
        "election": (client.get("/elections/exec-2027"), "neges destun: 1"),
        "ballot, ranked": (client.get(f"/v/{good}"), "Rhowch rif wrth yr ymgeiswyr"),
        "ballot, typed token": (
            client.post("/ballot", data=_form(client, token=pick[0].grouped)),
            "Dewiswch hyd at 2 ymgeisydd.",
        ),
        "ballot, yes/no": (client.get(f"/v/{motion[0].digits}"), "Ymatal"),
        "ballot, choice error": (
            client.post("/ballot/review", data=_form(client, token=good, rank_1="x")),
            "Mae problem",
        ),
        "review": (review, "Gwiriwch eich pleidlais"),
        "receipt": (
            client.post("/ballot/cast", data=_form(client, token=good, choices="3 1")),
            "Mae eich pleidlais wedi'i chofnodi",
        ),
        "error, token typo": (
            client.post("/ballot", data=_form(client, token=typo)),
            "Mae gwall teipio yn y tocyn",
        ),
        "error, token used": (client.get(f"/v/{good}"), "eisoes wedi'i ddefnyddio"),
        "error, unknown token": (
            client.post("/ballot", data=_form(client, token=STRANGER)),
            "Ni roddwyd y tocyn hwnnw",
        ),
        "error, not open yet": (
            client.get(f"/v/{env.tokens['later-2027'][0].digits}"),
            "Mae'n agor ar 11 Mawrth 2027 am 09:00 GMT.",  # in the ballot's zone (London)
        ),
        "error, closed": (
            client.get(f"/v/{env.tokens['done-2026'][3].digits}"),
            "Caeodd y pleidleisio ar",
        ),
        "error, no such ballot": (client.get("/elections/nope-2027"), "Nid oes etholiad"),
        "error, no such page": (client.get("/nowhere"), "Heb ddod o hyd i'r dudalen."),
        "error, form expired": (
            client.post("/ballot", data={"token": good}),
            "Mae'r ffurflen hon wedi dod i ben",
        ),
        "error, a form's address": (client.get("/ballot/review"), "Rydych yn cyrraedd"),
        "check, not yet": (client.get("/elections/exec-2027/check"), "Cadwch eich cerdyn"),
        "check": (client.get("/elections/done-2026/check"), "Gwirio fy mhleidlais"),
        "audit": (client.get("/elections/exec-2027/audit"), "Pwyntiau gwirio"),
        "results": (client.get("/elections/done-2026/results"), "Fesul rownd"),
    }
    return pages


def test_every_member_page_is_in_welsh(welsh_client: TestClient, site: dict[str, Any]) -> None:
    pages = every_page(welsh_client, site["env"])
    for name, (response, sentence) in pages.items():
        html = response.text
        assert response.headers["content-language"] == "cy", name
        assert '<html lang="cy">' in html, name
        assert sentence in readable(html, []), f"{name}: {sentence!r} missing"
        assert english_left(html, site["data"]) == [], name


def test_the_check_page_carries_its_script_in_welsh(welsh_client: TestClient) -> None:
    html = welsh_client.get("/elections/done-2026/check").text
    block = re.search(r'<script type="application/json" id="js-messages">(.*?)</script>', html)
    assert block is not None
    assert '"Downloading the published list…": "Wrthi\'n lawrlwytho' in block.group(1)
    assert '"web": "gwe"' in block.group(1)


def test_english_is_still_english(site: dict[str, Any]) -> None:
    env = site["env"]
    with TestClient(create_app(env.settings, env.ctx), headers=HTML) as client:
        home = client.get("/", headers={"accept-language": "en-GB,en;q=0.9,cy;q=0.8"})
        assert '<html lang="en">' in home.text and "Vote with your ballot token" in home.text
        assert home.headers["content-language"] == "en"
        # The detector used on the Welsh pages finds English when there is some.
        assert {"Vote with your ballot token", "Continue"} <= set(english_left(home.text, []))
        assert "set-cookie" not in home.headers or "bb_lang" not in home.headers["set-cookie"]


def test_the_switch_is_kept_in_a_cookie_until_switched_back(site: dict[str, Any]) -> None:
    env = site["env"]
    token = env.tokens["exec-2027"][1].digits
    with TestClient(create_app(env.settings, env.ctx), headers=HTML) as client:
        english = client.get(f"/v/{token}")
        assert f'href="/v/{token}?lang=cy" lang="cy" hreflang="cy">Cymraeg</a>' in english.text
        welsh = client.get(f"/v/{token}?lang=cy")
        [cookie] = [c for c in welsh.headers.get_list("set-cookie") if c.startswith("bb_lang=")]
        assert cookie.startswith("bb_lang=cy;") and "SameSite=Lax" in cookie
        assert "HttpOnly" in cookie and "Max-Age=31536000" in cookie
        assert '<span class="current" aria-current="true" lang="cy">Cymraeg</span>' in welsh.text
        # An unmarked ballot's contests are rendered once per language, never shared across.
        assert "Rhowch rif wrth yr ymgeiswyr yn nhrefn eich dewis" in welsh.text
        assert "Number the candidates in order of preference" not in welsh.text
        again = client.get(f"/v/{token}?lang=en")
        assert "Number the candidates in order of preference" in again.text
        assert "Rhowch rif wrth yr ymgeiswyr" not in again.text
        client.get(f"/v/{token}?lang=cy")
        assert "Pwyntiau gwirio" in client.get("/elections/exec-2027/audit").text
        back = client.get("/?lang=en")
        assert "bb_lang=en" in back.headers["set-cookie"]
        assert (
            "Vote with your ballot token" in client.get("/", headers={"accept-language": "cy"}).text
        )
        client.cookies.clear()
        client.cookies.set("bb_lang", "xx")  # not a language we have: the header decides
        assert '<html lang="cy">' in client.get("/", headers={"accept-language": "cy"}).text


def test_the_switch_after_a_form_posts_it_again_so_the_member_keeps_their_place(
    site: dict[str, Any],
) -> None:
    env = site["env"]
    token = env.tokens["exec-2027"][2].digits
    with TestClient(create_app(env.settings, env.ctx), headers=HTML) as client:
        form = _form(client, token=token, rank_4="1", rank_2="2")
        review = client.post("/ballot/review", data=form)
        assert "Check your vote" in review.text
        switch = re.search(
            r'<form method="post" action="/ballot/review\?lang=cy">(.*?)</form>', review.text, re.S
        )
        assert switch is not None, "the review page's switch re-posts the ballot"
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', switch.group(1)))
        assert fields == {"csrf_token": form["csrf_token"], "token": token,
                          "rank_4": "1", "rank_2": "2"}  # fmt: skip
        again = client.post("/ballot/review?lang=cy", data=fields)
        assert "Gwiriwch eich pleidlais" in again.text
        assert again.text.index(NAMES[3]) < again.text.index(NAMES[1])  # same order kept
        assert "bb_lang=cy" in again.headers["set-cookie"]
        # A page whose form must not be sent twice switches through the front page instead.
        receipt = client.post("/ballot/cast", data={**form, "choices": "4 2"})
        assert 'href="/?lang=en" lang="en" hreflang="en" target="_blank"' in receipt.text
        assert "/ballot/cast?lang" not in receipt.text
        typo = client.post("/ballot", data={**form, "token": "1234"})
        assert 'href="/?lang=en"' in typo.text and "/ballot?lang" not in typo.text


def test_the_teller_console_stays_english(site: dict[str, Any]) -> None:
    env = site["env"]
    with TestClient(create_app(env.settings, env.ctx), headers=HTML) as client:
        client.cookies.set("bb_lang", "cy")
        login = client.get("/teller/login", headers={"accept-language": "cy"})
        assert login.headers["content-language"] == "en" and 'lang="cy"' not in login.text
