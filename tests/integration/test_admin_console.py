"""The officers' console over HTTP: sign-in with one-time codes, lockout, roles, CSRF, a ballot."""

from __future__ import annotations

import csv
import importlib
import io
import pkgutil
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pyotp
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import col, select

from ballotbox.adapters import admin
from ballotbox.app import create_app
from ballotbox.services import accounts
from ballotbox.storage import repository
from ballotbox.storage.models_accounts import LoginThrottle
from ballotbox.storage.models_actions import OfficerAction
from ballotbox.storage.models_postal import Teller, TellerAction, TellerSession
from tests.fixtures.admin import TOML, add_officer, csrf, sign_in
from tests.fixtures.elections import BallotEnv
from tests.unit.postal.support import add_tellers

HTML = {"accept": "text/html"}
OPEN_ROUTES = {"/admin/sign-in", "/admin/sign-out", "/admin/assets/admin.css"}


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election("test-2027", tokens=3, open_=False)
    return ballot_env


def client(env: BallotEnv, host: str = "testclient") -> TestClient:
    return TestClient(create_app(env.settings, env.ctx), headers=HTML, client=(host, 50000))


def console_routers() -> list[APIRouter]:
    """The router of every module of the console package (a new page module is walked too)."""
    found: list[APIRouter] = []
    for info in pkgutil.iter_modules(admin.__path__):
        module = importlib.import_module(f"{admin.__name__}.{info.name}")
        if isinstance(getattr(module, "router", None), APIRouter):
            found.append(module.router)
    return found


def admin_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the console that needs a session."""
    app = create_app()
    included = [id(getattr(r, "original_router", None)) for r in app.routes]
    found: list[tuple[str, str]] = []
    for router in console_routers():
        assert id(router) in included  # the app serves each of the console's routers
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.path.startswith("/admin")
            if route.path not in OPEN_ROUTES:
                found.extend((method, route.path) for method in sorted(route.methods or ()))
    return found


def fill(path: str) -> str:
    filled = path.replace("{slug}", "test-2027").replace("{run}", "0" * 32)
    return (
        filled.replace("{name}", "x.pdf").replace("{upload}", "0" * 32).replace("{member_id}", "1")
    )


def test_the_walk_covers_the_console() -> None:
    paths = {path for _method, path in admin_routes()}
    for expected in ("/admin", "/admin/log", "/admin/ballots/{slug}/open", "/admin/ballots/new"):
        assert expected in paths
    assert len(admin_routes()) >= 12


def test_every_route_refuses_no_session_a_teller_and_a_scrutineer_where_not_allowed(
    env: BallotEnv,
) -> None:
    secrets = {
        name: add_officer(env, name, role)
        for name, role in (("tia", "teller"), ("sam", "scrutineer"), ("sue", "supervisor"))
    }
    readable = {
        "/admin",
        "/admin/log",
        "/admin/ballots/{slug}",
        "/admin/ballots/{slug}/dashboard",
        "/admin/ballots/{slug}/costs",
        "/admin/ballots/{slug}/definition.toml",
        "/admin/registers",
        "/admin/ballots/{slug}/registers",
        "/admin/ballots/{slug}/registers/duplicates",
        "/admin/ballots/{slug}/registers/duplicates.csv",
    }
    with client(env) as anon:
        token = csrf(anon)
        for method, path in admin_routes():
            answer = anon.request(
                method, fill(path), data={"csrf_token": token}, follow_redirects=False
            )
            assert answer.status_code == 303, (method, path)
            assert answer.headers["location"] == "/admin/sign-in"
    for name, secret in secrets.items():
        with client(env) as c:
            assert sign_in(c, env, name, secret).status_code == 303
            token = csrf(c)
            for method, path in admin_routes():
                answer = c.request(
                    method,
                    fill(path),
                    data={"csrf_token": token, "count": "2", "password": "x" * 12},
                    follow_redirects=False,
                )
                allowed = name == "sam" and method == "GET" and path in readable
                assert answer.status_code == (200 if allowed else 403), (name, method, path)
                if not allowed:
                    assert "does not allow this" in answer.text
    with env.read() as s:  # nothing happened: still a draft with its 3 tokens
        election = repository.election_by_slug(s, "test-2027")
        assert election.state == "draft" and election.id is not None
        assert repository.token_counts(s, election.id) == {"unused": 3}
        assert s.exec(select(OfficerAction).where(OfficerAction.slug != None)).all() == []  # noqa: E711


def test_sign_in_needs_password_and_a_fresh_one_time_code(env: BallotEnv) -> None:
    secret = add_officer(env, "ro")
    with client(env) as c:
        page = c.get("/admin/sign-in").text
        for label in ("Username", "Password", "One-time code"):
            assert f">{label}</label>" in page
        wrong = sign_in(c, env, "ro", secret, code="000000")
        assert wrong.status_code == 422
        assert "Wrong username, password or one-time code." in wrong.text
        assert sign_in(c, env, "ro", secret, password="not the password").status_code == 422
        now = pyotp.TOTP(secret).at(env.clock.now() + timedelta(seconds=30))
        assert sign_in(c, env, "ro", secret, code=now).status_code == 303  # code() moved the clock
        assert c.get("/admin", follow_redirects=False).status_code == 200
    with client(env) as again:  # the same code a second time: refused
        assert sign_in(again, env, "ro", secret, code=now).status_code == 422


def test_an_account_without_codes_cannot_use_the_console(env: BallotEnv) -> None:
    add_tellers(env, old="officer")  # made for the teller console, before one-time codes
    with client(env) as c:
        answer = c.post(
            "/admin/sign-in",
            data={
                "csrf_token": csrf(c),
                "username": "old",
                "password": "correct horse battery",
                "code": "123456",
            },
            follow_redirects=False,
        )
        assert answer.status_code == 422


def test_lockout_is_by_source_and_account_together(env: BallotEnv) -> None:
    secret = add_officer(env, "ro")
    with client(env, "203.0.113.66") as outsider:
        for _ in range(accounts.MAX_FAILURES - 1):
            assert sign_in(outsider, env, "ro", secret, password="guess guess").status_code == 422
        locked = sign_in(outsider, env, "ro", secret, password="guess guess")
        assert locked.status_code == 429 and "locked until" in locked.text
        assert sign_in(outsider, env, "ro", secret).status_code == 429  # even the right one
    with client(env, "198.51.100.7") as officer:  # the officer, from their own address
        assert sign_in(officer, env, "ro", secret).status_code == 303
    with env.read() as s:
        rows = s.exec(select(LoginThrottle)).all()
        assert [r.username for r in rows] == ["ro"]
        assert "203.0.113.66" not in rows[0].source  # a hash, not the address
    env.clock.advance(accounts.LOCKOUT)
    with client(env, "203.0.113.66") as later:
        assert sign_in(later, env, "ro", secret).status_code == 303


@pytest.fixture
def officer(env: BallotEnv) -> Iterator[TestClient]:
    secret = add_officer(env, "ro")
    with client(env) as c:
        assert sign_in(c, env, "ro", secret).status_code == 303
        yield c


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    env: BallotEnv, officer: TestClient
) -> None:
    answer = officer.post(
        "/admin/ballots/test-2027/open", data={"csrf_token": "x" * 43}, follow_redirects=False
    )
    assert answer.status_code == 403 and "expired or came from another site" in answer.text
    with env.read() as s:
        assert repository.election_by_slug(s, "test-2027").state == "draft"


def test_sessions_can_be_revoked_and_expire(env: BallotEnv, officer: TestClient) -> None:
    assert officer.get("/admin", follow_redirects=False).status_code == 200
    with env.session() as s:
        assert accounts.revoke_sessions(s, env.ctx, accounts.account_named(s, "ro")) == 1
    assert officer.get("/admin", follow_redirects=False).status_code == 303
    secret = add_officer(env, "ro2")
    with client(env) as c:
        assert sign_in(c, env, "ro2", secret).status_code == 303
        env.clock.advance(accounts.SESSION_LIFETIME)
        assert c.get("/admin", follow_redirects=False).headers["location"] == "/admin/sign-in"


def _form(c: TestClient, path: str, **data: str) -> httpx.Response:
    answer: httpx.Response = c.post(
        path, data={"csrf_token": csrf(c, "/admin"), **data}, follow_redirects=False
    )
    return answer


def test_a_ballot_from_draft_to_published_over_http(env: BallotEnv, officer: TestClient) -> None:
    page = officer.post(
        "/admin/ballots",
        data={
            "csrf_token": csrf(officer, "/admin/ballots/new"),
            "definition": TOML.format(slug=""),
        },
        follow_redirects=False,
    )
    assert page.status_code == 422 and "There is a problem" in page.text  # shown, not stored
    made = _form(officer, "/admin/ballots", definition=TOML.format(slug="branch-2027"))
    assert made.headers["location"] == "/admin/ballots/branch-2027?done=created"
    listing = officer.get("/admin").text
    assert "Branch committee &lt;b&gt;2027&lt;/b&gt; &amp; co" in listing  # escaped
    assert "Issue cards: no ballot tokens are issued yet." in listing

    _form(officer, "/admin/ballots/branch-2027/cards", count="3", layout="business", csv="true")
    ballot_page = officer.get("/admin/ballots/branch-2027").text
    files = re.findall(
        r'action="(/admin/ballots/branch-2027/files/[0-9a-f]{32}/[^"]+)"', ballot_page
    )
    assert sorted(f.rsplit(".", 1)[1] for f in files) == ["csv", "pdf"]
    csv_path = next(f for f in files if f.endswith(".csv"))
    got = _form(officer, csv_path)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    tokens = [row["token"] for row in csv.DictReader(io.StringIO(got.text))]
    assert len(tokens) == 3
    assert _form(officer, csv_path).status_code == 404  # once only: it is gone from the server

    _form(officer, "/admin/ballots/branch-2027/open")
    for token, choices in zip(tokens[:2], ([1, 2], [2]), strict=True):
        cast = officer.post(
            "/api/v1/elections/branch-2027/ballots", json={"token": token, "choices": choices}
        )
        assert cast.status_code == 201, cast.text
    board = officer.get("/admin/ballots/branch-2027/dashboard").text
    assert "2 / 3" in board and "Ada" not in board  # turnout, never who is ahead
    _form(officer, "/admin/ballots/branch-2027/close")
    _form(officer, "/admin/ballots/branch-2027/tally")
    done = _form(officer, "/admin/ballots/branch-2027/publish")
    assert done.headers["location"].endswith("done=published")
    assert officer.get("/elections/branch-2027/bundle.zip").status_code == 200

    with env.read() as s:
        logged = s.exec(select(OfficerAction).order_by(col(OfficerAction.id))).all()
    actions = [(e.actor, e.action) for e in logged if e.slug == "branch-2027"]
    assert [a for _who, a in actions] == [
        "ballot_created",
        "cards_issued",
        "cards_downloaded",
        "opened",
        "closed",
        "counted",
        "published",
    ]
    # Anonymity: nothing the accounts and the console keep holds a token, or any part of one.
    with env.read() as s:
        kept = " ".join(
            str(row)
            for model in (OfficerAction, LoginThrottle, Teller, TellerSession, TellerAction)
            for row in s.exec(select(model)).all()
        )
    digits = "".join(ch for ch in kept if ch.isdigit() or ch == " ")
    assert not any(t.replace(" ", "")[:10] in digits.replace(" ", "") for t in tokens)
    for model in (OfficerAction, LoginThrottle):
        columns = " ".join(model.model_fields)
        assert not any(w in columns for w in ("token", "member", "vote", "choice", "phone"))


def test_pending_letters_block_the_count_until_a_reason_is_given(
    env: BallotEnv, officer: TestClient
) -> None:
    from tests.unit.postal.support import open_batch

    _form(officer, "/admin/ballots/test-2027/open")
    open_batch(env, "test-2027", 2)
    _form(officer, "/admin/ballots/test-2027/close")
    refused = _form(officer, "/admin/ballots/test-2027/tally")
    assert refused.status_code == 409 and "still pending" in refused.text
    counted = _form(
        officer, "/admin/ballots/test-2027/tally", override_reason="Bag 2 lost in the post"
    )
    assert counted.status_code == 303
    with env.read() as s:
        entry = s.exec(select(OfficerAction).where(OfficerAction.action == "counted")).one()
        assert entry.detail == "pending letters overridden: Bag 2 lost in the post"
        election_id = repository.election_by_slug(s, "test-2027").id
        assert election_id is not None
        kinds = [e.kind for e in repository.log_entries(s, election_id)]
    assert "override" in kinds


def test_a_returning_officer_resets_another_account_from_the_console(
    env: BallotEnv, officer: TestClient
) -> None:
    secret = add_officer(env, "sam", "scrutineer")
    with client(env) as sam:
        assert sign_in(sam, env, "sam", secret).status_code == 303
        assert sam.get("/admin", follow_redirects=False).status_code == 200
        listing = officer.get("/admin/accounts").text
        assert "New password for sam" in listing and "signed in: 1" in listing
        too_short = _form(officer, "/admin/accounts/sam/password", password="short")
        assert too_short.status_code == 422 and "at least 10 characters" in too_short.text
        done = _form(officer, "/admin/accounts/sam/password", password="a new long passphrase")
        assert done.headers["location"] == "/admin/accounts?done=password"
        assert sam.get("/admin", follow_redirects=False).status_code == 303  # signed out
        assert sign_in(sam, env, "sam", secret).status_code == 422  # the old password is gone
        assert sign_in(sam, env, "sam", secret, password="a new long passphrase").status_code == 303
        codes = _form(officer, "/admin/accounts/sam/codes")
        uri = re.search(r'<code class="uri">([^<]+)</code>', codes.text)
        assert uri is not None
        new_secret = pyotp.parse_uri(uri.group(1).replace("&amp;", "&")).secret
        assert new_secret != secret
        assert sam.get("/admin", follow_redirects=False).status_code == 303  # signed out again
        old = sign_in(sam, env, "sam", secret, password="a new long passphrase")
        assert old.status_code == 422  # the old authenticator no longer works
        assert isinstance(new_secret, str)
        fresh = sign_in(sam, env, "sam", new_secret, password="a new long passphrase")
        assert fresh.status_code == 303
    with env.read() as s:
        logged = [(e.actor, e.action, e.detail) for e in s.exec(select(OfficerAction)).all()]
    assert ("ro", "password_reset", "sam") in logged
    assert ("ro", "one_time_codes_reset", "sam") in logged


def test_a_definition_file_is_uploaded_or_refused_with_the_reason(
    env: BallotEnv, officer: TestClient
) -> None:
    latin = TOML.format(slug="latin-2027").replace("Bea", "Béa").encode("cp1252")
    refused = officer.post(
        "/admin/ballots",
        data={"csrf_token": csrf(officer, "/admin/ballots/new")},
        files={"upload": ("ballot.toml", latin, "text/plain")},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "ballot.toml is not UTF-8 text" in refused.text
    with_bom = "\ufeff" + TOML.format(slug="bom-2027")
    made = officer.post(
        "/admin/ballots",
        data={"csrf_token": csrf(officer, "/admin/ballots/new")},
        files={"upload": ("ballot.toml", with_bom.encode("utf-8"), "text/plain")},
        follow_redirects=False,
    )
    assert made.headers["location"] == "/admin/ballots/bom-2027?done=created"
    with env.read() as s:
        assert repository.find_election(s, "latin-2027") is None


def test_every_form_of_the_console_refuses_a_post_without_its_csrf_token(
    env: BallotEnv, officer: TestClient
) -> None:
    posts = [path for method, path in admin_routes() if method == "POST"]
    assert len(posts) >= 8
    for path in [*posts, "/admin/sign-in", "/admin/sign-out"]:
        answer = officer.post(fill(path), data={"count": "2"}, follow_redirects=False)
        assert answer.status_code == 403, path
        assert "expired or came from another site" in answer.text
    assert officer.get("/admin", follow_redirects=False).status_code == 200  # still signed in
    with env.read() as s:
        assert repository.election_by_slug(s, "test-2027").state == "draft"


def test_cards_are_voided_by_typed_or_scanned_tokens_all_or_nothing(
    env: BallotEnv, officer: TestClient
) -> None:
    typed, scanned, spare = env.tokens["test-2027"]
    bad = _form(
        officer,
        "/admin/ballots/test-2027/void",
        tokens=f"{typed.grouped}\n{typed.digits[:-1]}",
    )
    assert bad.status_code == 422 and "Line 2:" in bad.text
    done = _form(
        officer,
        "/admin/ballots/test-2027/void",
        tokens=f"{typed.grouped}\nhttp://testserver/v/{scanned.digits}\n",
    )
    assert done.headers["location"] == "/admin/ballots/test-2027?done=voided"
    with env.read() as s:
        election = repository.election_by_slug(s, "test-2027")
        assert election.id is not None
        assert repository.token_counts(s, election.id) == {"unused": 1, "void": 2}
        entry = s.exec(select(OfficerAction).where(OfficerAction.action == "cards_voided")).one()
    assert entry.detail == "2 of 2 given" and spare.digits[:6] not in entry.detail
