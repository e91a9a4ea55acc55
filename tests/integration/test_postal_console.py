"""The teller console over HTTP: sign-in and its limits, roles, keying, adjudication, reports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ballotbox.adapters.httpkit.security import BOUND_COOKIES
from ballotbox.adapters.postal.web_session import COOKIE
from ballotbox.app import create_app
from ballotbox.storage.models import Ballot
from tests.fixtures.elections import BallotEnv
from tests.unit.postal.support import PASSWORD, add_tellers, open_batch, postal_dump

HTML = {"accept": "text/html"}


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election(tokens=6)
    add_tellers(
        ballot_env, ann="teller", bob="teller", sue="supervisor", sam="supervisor", sid="scrutineer"
    )
    return ballot_env


def client(env: BallotEnv) -> TestClient:
    return TestClient(create_app(env.settings, env.ctx), headers=HTML)


def csrf(c: TestClient, path: str) -> str:
    page = c.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def sign_in(c: TestClient, name: str, password: str = PASSWORD) -> Any:  # the TestClient's response
    token = csrf(c, "/teller/login")
    return c.post(
        "/teller/login",
        data={"csrf_token": token, "username": name, "password": password},
        follow_redirects=False,
    )


@pytest.fixture
def clients(env: BallotEnv) -> Iterator[dict[str, TestClient]]:
    made = {}
    for name in ("ann", "bob", "sue", "sam", "sid"):
        made[name] = client(env)
        made[name].__enter__()
        assert sign_in(made[name], name).status_code == 303
    yield made
    for c in made.values():
        c.__exit__(None, None, None)


def key(
    c: TestClient, batch_id: int, letter: int, token: str, marks: dict[int, str], spoilt: str = ""
):
    data = {
        "csrf_token": csrf(c, f"/teller/batches/{batch_id}/key"),
        "letter": str(letter),
        "token": token,
        "spoilt": spoilt,
        **{f"mark_{n}": v for n, v in marks.items()},
    }
    return c.post(f"/teller/batches/{batch_id}/key", data=data)


def test_sign_in_sets_a_strict_http_only_cookie_and_the_console_needs_it(env: BallotEnv) -> None:
    with client(env) as c:
        assert c.get("/teller", follow_redirects=False).headers["location"] == "/teller/login"
        answer = sign_in(c, "ann")
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert "bb_teller=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Path=/teller" in cookie
        home = c.get("/teller")
        assert home.status_code == 200 and "ann (teller)" in home.text
        # Without the CSRF token a form post is refused.
        assert c.post("/teller/logout", data={}).status_code == 403
        token = csrf(c, "/teller")
        c.post("/teller/logout", data={"csrf_token": token}, follow_redirects=False)
        assert c.get("/teller", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_not_a_session(env: BallotEnv) -> None:
    with client(env) as c:
        c.cookies.set("bb_teller", "abc.def", path="/teller")
        assert c.get("/teller", follow_redirects=False).status_code == 303


def _try(c: TestClient, name: str, password: str, address: str) -> tuple[int, str]:
    where = {"x-forwarded-for": address}
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', c.get("/teller/login", headers=where).text
    )
    assert token
    answer = c.post(
        "/teller/login",
        data={"csrf_token": token.group(1), "username": name, "password": password},
        headers=where,
        follow_redirects=False,
    )
    return answer.status_code, answer.text.replace(name, "NAME")


def test_wrong_passwords_are_limited_per_address_and_username_and_reveal_no_usernames(
    env: BallotEnv,
) -> None:
    settings = env.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    app = create_app(settings, env.ctx)
    with TestClient(app, headers=HTML, client=("127.0.0.1", 1)) as c:
        stranger = "203.0.113.66"
        known = [_try(c, "bob", "nope nope nope", stranger) for _ in range(6)]
        unknown = [_try(c, "nobody", "nope nope nope", stranger) for _ in range(6)]
        assert [status for status, _ in known] == [422] * 4 + [429] * 2  # the 5th locks
        assert known == unknown  # the same answers, word for word: no username is revealed
        assert "Too many wrong passwords from here" in known[-1][1]
        assert _try(c, "bob", PASSWORD, stranger)[0] == 429
        # Bob, at his own desk, was never locked out by the stranger.
        c.cookies.clear()
        assert _try(c, "bob", PASSWORD, "198.51.100.3")[0] == 303
        env.clock.advance(timedelta(minutes=31))
        c.cookies.clear()
        assert _try(c, "bob", PASSWORD, stranger)[0] == 303


def test_roles_over_the_web(env: BallotEnv, clients: dict[str, TestClient]) -> None:
    batch_id = open_batch(env, "test-2027", 4)
    ann, sue, sid = clients["ann"], clients["sue"], clients["sid"]
    data = {"election": "test-2027", "label": "bag 9", "letters": "10"}
    refused = ann.post("/teller/batches", data={**data, "csrf_token": csrf(ann, "/teller")})
    assert refused.status_code == 403 and "does not allow" in refused.text
    assert "Open a batch" not in ann.get("/teller").text
    assert (
        sue.post(
            "/teller/batches",
            data={**data, "csrf_token": csrf(sue, "/teller")},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert "bag 9" in sue.get("/teller").text
    assert sid.get(f"/teller/batches/{batch_id}/key").status_code == 403
    assert sid.get("/teller/adjudication").status_code == 403
    assert ann.get("/teller/adjudication").status_code == 403
    assert sid.get("/teller/elections/test-2027/reconciliation").status_code == 200
    assert sid.get("/teller/log").status_code == 200


def test_keying_twice_casts_and_disputes_go_to_another_supervisor(
    env: BallotEnv, clients: dict[str, TestClient]
) -> None:
    tokens = env.tokens["test-2027"]
    batch_id = open_batch(env, "test-2027", 3)
    ann, sue, sam = clients["ann"], clients["sue"], clients["sam"]
    form = ann.get(f"/teller/batches/{batch_id}/key")
    assert 'value="1"' in form.text and "<strong>3</strong> letters left" in form.text
    digits = tokens[0].digits
    typo = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    bad = key(ann, batch_id, 1, typo, {1: "1"})
    assert (
        bad.status_code == 422
        and "check the digits" in bad.text
        and 'aria-invalid="true"' in bad.text
    )
    saved = key(ann, batch_id, 1, tokens[0].grouped, {2: "1", 1: "2"})
    assert "Letter 1 saved" in saved.text and 'value="2"' in saved.text
    assert "<strong>2</strong> letters left" in saved.text
    done = key(sue, batch_id, 1, tokens[0].digits, {2: "1", 1: "2"})
    assert "The ballot is cast" in done.text
    key(ann, batch_id, 2, tokens[1].digits, {1: "1", 2: "2"})
    differs = key(sue, batch_id, 2, tokens[1].digits, {1: "1", 2: "3"})
    assert differs.status_code == 422 and "without gaps" in differs.text  # refused, not stored
    differs = key(sue, batch_id, 2, tokens[1].digits, {1: "1", 3: "2"})
    assert "goes to a supervisor" in differs.text
    assert "you keyed it" in sue.get("/teller/adjudication").text
    assert sue.get(f"/teller/adjudication/{batch_id}/2").status_code == 403
    page = sam.get(f"/teller/adjudication/{batch_id}/2")
    assert page.status_code == 200 and page.text.count('class="differs"') == 2
    settled = sam.post(
        f"/teller/adjudication/{batch_id}/2",
        data={
            "csrf_token": csrf(sam, f"/teller/adjudication/{batch_id}/2"),
            "token": tokens[1].grouped,
            "mark_1": "1",
            "mark_3": "2",
            "spoilt": "",
        },
        follow_redirects=False,
    )
    assert settled.status_code == 303
    with env.read() as s:
        assert sorted(b.token for b in s.exec(select(Ballot)).all()) == sorted(
            [tokens[0].digits, tokens[1].digits]
        )
        dump = postal_dump(s)
    assert tokens[0].digits not in dump and tokens[1].digits not in dump
    report = clients["sid"].get("/teller/elections/test-2027/reconciliation")
    assert "Every letter is accounted for" in report.text
    csv_text = clients["sid"].get("/teller/elections/test-2027/reconciliation.csv")
    assert csv_text.headers["content-type"].startswith("text/csv")
    first = next(csv.DictReader(io.StringIO(csv_text.text)))
    assert [first[k] for k in ("received", "accepted", "spoilt", "rejected", "pending")] == [
        "3",
        "2",
        "0",
        "0",
        "1",
    ]
    log = clients["sid"].get("/teller/log").text
    assert "keyed" in log and "adjudicated" in log and tokens[0].digits not in log


def test_a_csrf_pair_made_for_one_teller_session_is_refused_in_another(
    env: BallotEnv, clients: dict[str, TestClient]
) -> None:
    assert BOUND_COOKIES["/teller"] == COOKIE.name
    sid_pair = csrf(clients["sid"], "/teller")  # someone's own, genuine pair
    ann = clients["ann"]
    ann.cookies.set("bb_csrf", sid_pair, path="/")  # planted in Ann's browser
    refused = ann.post("/teller/logout", data={"csrf_token": sid_pair}, follow_redirects=False)
    assert refused.status_code == 403
    assert ann.get("/teller", follow_redirects=False).status_code == 200  # still signed in
