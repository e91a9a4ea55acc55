"""The audit pages over a real database: never running results while open; counters; files."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.app import create_app
from ballotbox.services import checkpoints, elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from ballotbox.storage.models import RejectedAttempt
from tests.fixtures.elections import CLOSES, NAMES, BallotEnv

HTML = {"accept": "text/html"}


@pytest.fixture
def client(ballot_env: BallotEnv) -> Iterator[TestClient]:
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as c:
        yield c


def test_while_open_the_audit_page_shows_turnout_and_checkpoints_but_no_vote_totals(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    slug, tokens = ballot_env.make_election(tokens=30, candidates=4)
    # 7, 5, 3 and 1 first preferences: distinctive numbers that must not appear anywhere.
    plan = [1] * 7 + [2] * 5 + [3] * 3 + [4]
    for token, first in zip(tokens, plan, strict=False):
        with ballot_env.session() as s:
            cast(s, ballot_env.ctx, token, [first], "web" if first != 3 else "sms")
    with ballot_env.session() as s:
        checkpoints.checkpoint_now(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    page = client.get(f"/elections/{slug}/audit", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert "<td>web</td><td>13</td>" in text and "<td>sms</td><td>3</td>" in text
    assert 'id="checkpoints"' in text and "<td>16</td>" in text
    for name in NAMES[:4]:  # candidates appear only inside the definition, never beside a count
        assert f"{name}</td>" not in text
    # The checkpoints table may list one signed by the clock loop mid-way (at 7 ballots, say):
    # leave it out, and look for the candidates' totals everywhere else.
    start = text.index('id="checkpoints"')
    elsewhere = text[:start] + text[text.index("</table>", start) :]
    for tally_text in (">7<", ">5<", ">1<"):
        assert tally_text not in elsewhere, "a candidate's running total leaked onto the page"
    results = client.get(f"/elections/{slug}/results", headers=HTML)
    assert 'id="no-results"' in results.text and "<table" not in results.text
    assert client.get(f"/api/v1/elections/{slug}/result").status_code == 404
    for name in ("bundle.zip", "ballots.csv", "ballots.json"):
        assert client.get(f"/elections/{slug}/{name}").status_code == 404
    saved = client.get(f"/elections/{slug}/audit/checkpoints.json").json()
    assert saved[-1]["body"]["ballots"] == 16


def test_rejected_attempts_are_counted_per_election_and_reason(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    slug, tokens = ballot_env.make_election(tokens=3)
    with ballot_env.session() as s:
        cast(s, ballot_env.ctx, tokens[0], [1], "web")
    client.get("/", headers=HTML)
    csrf = client.cookies.get("bb_csrf")
    form = {"csrf_token": csrf}
    client.post("/ballot", data={**form, "token": tokens[0].digits}, headers=HTML)  # used
    client.post("/ballot", data={**form, "token": tokens[0].digits}, headers=HTML)  # used
    client.post("/ballot", data={**form, "token": "1234"}, headers=HTML)  # no election: scope ""
    again = {"token": tokens[0].digits, "choices": [1]}
    assert client.post(f"/api/v1/elections/{slug}/ballots", json=again).status_code == 409
    with ballot_env.read() as s:
        assert repository.rejections(s, slug) == {"token_used": 3}
        assert sum(repository.rejections(s, "").values()) == 1
    text = client.get(f"/elections/{slug}/audit", headers=HTML).text
    assert "<td>token already used</td><td>3</td>" in text


def test_after_publishing_the_pages_serve_the_published_bytes(
    ballot_env: BallotEnv, client: TestClient, tmp_path: Path
) -> None:
    slug, tokens = ballot_env.make_election(tokens=4)
    for token, choices in zip(tokens, [[1, 2], [2], [1, 3]], strict=False):
        with ballot_env.session() as s:
            cast(s, ballot_env.ctx, token, choices, "web")
    ballot_env.clock.set(CLOSES)
    with ballot_env.session() as s:
        # Closing on schedule: the app's own clock loop may get there first, which is fine.
        elections.apply_all_due(s, ballot_env.ctx)
    with ballot_env.session() as s:
        tally.tally(s, ballot_env.ctx, repository.election_by_slug(s, slug))
    with ballot_env.session() as s:
        done = publishing.publish(
            s, ballot_env.ctx, repository.election_by_slug(s, slug), tmp_path / "bundle"
        )
    assert client.get(f"/elections/{slug}/bundle.zip").content == done.archive.read_bytes()
    csv = client.get(f"/elections/{slug}/ballots.csv")
    assert csv.content == (done.directory / "ballots.csv").read_bytes()
    assert csv.text.splitlines()[0] == "token,channel,choices"
    tokens_csv = client.get(f"/elections/{slug}/bundle/tokens.csv")
    assert tokens_csv.content == (done.directory / "tokens.csv").read_bytes()
    assert client.get(f"/elections/{slug}/bundle/nothing.txt").status_code == 404
    page = client.get(f"/elections/{slug}", headers=HTML).text
    assert f"/elections/{slug}/check" in page and '<table class="rounds">' in page
    check = client.get(f"/elections/{slug}/check", headers=HTML).text
    assert '<script src="/audit/check.js"' in check and "<noscript>" in check
    assert 'name="token"' not in check  # nothing on the page could send a token to the server


def test_junk_election_names_in_an_address_make_no_rows_of_their_own(
    ballot_env: BallotEnv, client: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    for n in range(40):
        answer = client.post(
            f"/api/v1/elections/junk-{n}/ballots", json={"token": tokens[0].digits, "choices": [1]}
        )
        assert answer.status_code == 404
    with ballot_env.read() as s:
        scopes = {r.scope for r in s.exec(select(RejectedAttempt)).all()}
        assert scopes == {""}
        assert repository.rejections(s, "") == {"unknown_election": 40}


async def _get_all(urls: list[str]) -> list[int]:
    limits = httpx.Limits(max_connections=len(urls), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        answers = await asyncio.gather(*(http.get(u, headers=HTML) for u in urls))
    return [a.status_code for a in answers]


@pytest.mark.slow
def test_every_concurrent_refusal_is_counted_on_sqlite(
    sqlite_env: BallotEnv,
    live_server,
    sqlite_url: str,
) -> None:
    now = datetime.now(UTC)
    sqlite_env.clock.set(now)
    slug, tokens = sqlite_env.make_election(
        tokens=60, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir,
                         env={"BALLOTBOX_LIMIT_WEB": "10000"})  # fmt: skip
    with sqlite_env.session() as s:  # spend them, so every attempt below is refused
        for token in tokens:
            cast(s, sqlite_env.ctx, token, [1], "web")
    urls = [f"{server.url}/v/{t.digits}" for t in tokens] * 2
    urls += [f"{server.url}/v/{'1' * 18}{n:02d}" for n in range(80)]  # mistyped: no election
    with ThreadPoolExecutor(1) as pool:  # the browser fixture may own this thread's loop
        statuses = pool.submit(asyncio.run, _get_all(urls)).result()
    assert statuses.count(409) == 120
    with sqlite_env.read() as s:
        assert repository.rejections(s, slug) == {"token_used": 120}
        assert sum(repository.rejections(s, "").values()) == 80
