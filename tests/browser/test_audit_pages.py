"""The audit pages in real Chromium: check my vote runs in the browser, results and audit render."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ballotbox.core.tokens.format import Token
from ballotbox.services import elections, issuance, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.browser import screenshot
from tests.fixtures.elections import CLOSES, OPENS, BallotEnv, build_env

VOTES = [[1, 3, 2], [2, 1], [3, 1, 2], [1, 4], [5, 6, 1], [6, 5], [2, 3], [1], [4, 1, 2], [3, 2]]


@pytest.fixture
def published(
    sqlite_url: str, tmp_path: Path
) -> Iterator[tuple[BallotEnv, str, list[Token], list[dict[str, Any]]]]:
    """A six-candidate, two-seat election cast, closed, counted and published on SQLite."""
    env = build_env(sqlite_url, tmp_path / "keys")
    slug, tokens = env.make_election("branch-2027", tokens=13, candidates=6, seats=2, open_=False)
    with env.session() as s:
        issuance.void(s, env.ctx, repository.election_by_slug(s, slug), [tokens[12]])
    env.clock.set(OPENS)
    with env.session() as s:
        elections.open_now(s, env.ctx, repository.election_by_slug(s, slug))
    receipts = []
    for token, choices in zip(tokens, VOTES, strict=False):
        with env.session() as s:
            channel = "sms" if choices[0] == 2 else "web"
            receipts.append(cast(s, env.ctx, token, choices, channel).receipt)
    env.clock.set(CLOSES)
    with env.session() as s:
        elections.close_now(s, env.ctx, repository.election_by_slug(s, slug))
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, slug))
    with env.session() as s:
        publishing.publish(s, env.ctx, repository.election_by_slug(s, slug), tmp_path / "bundle")
    yield env, slug, tokens, receipts
    env.engine.dispose()


def test_check_my_vote_finds_a_token_in_the_browser_without_sending_it(
    published: Any, live_server: Callable[..., Any], page: Any, tmp_path: Path
) -> None:
    env, slug, tokens, receipts = published
    server = live_server(database_url=env.settings.database_url, key_dir=env.settings.key_dir)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url + " " + (request.post_data or "")))
    page.goto(f"{server.url}/elections/{slug}/check")
    page.wait_for_selector("#check-form[data-ready=true]")
    page.fill("#check-token", tokens[0].grouped)
    page.click("#check-form button")
    answer = page.locator("#check-answer")
    answer.get_by_text("A vote is recorded for this token").wait_for()
    text = answer.inner_text()
    assert "1 · Ann Example" in text and "3 · Cy Twombly" in text and "2 · Bob Builder" in text
    assert text.index("Ann Example") < text.index("Cy Twombly") < text.index("Bob Builder")
    assert receipts[0]["code"] in text
    screenshot(page, "audit-check-voted")

    page.fill("#check-token", tokens[10].digits)  # issued, never used: an abstainer's check
    page.click("#check-form button")
    answer.get_by_text("No vote is recorded for this token").wait_for()
    screenshot(page, "audit-check-unused")

    page.fill("#check-token", tokens[12].digits)
    page.click("#check-form button")
    answer.get_by_text("made void").wait_for()

    mistyped = tokens[1].digits[:-1] + str((int(tokens[1].digits[-1]) + 1) % 10)
    page.fill("#check-token", mistyped)
    page.click("#check-form button")
    answer.get_by_text("not a valid token").wait_for()
    screenshot(page, "audit-check-mistyped")

    checked = [tokens[0].digits, tokens[10].digits, tokens[12].digits, mistyped]
    for request in sent:
        compact = request.replace(" ", "").replace("%20", "")
        assert not any(digits in compact for digits in checked), f"a token left the page: {request}"
    assert sum("ballots.json" in r for r in sent) == 1, "the list is downloaded exactly once"


@pytest.mark.viewport("small_phone")
def test_results_and_audit_pages_render_on_a_phone_and_a_desktop(
    published: Any, live_server: Callable[..., Any], page: Any, browser: Any
) -> None:
    env, slug, _, _ = published
    server = live_server(database_url=env.settings.database_url, key_dir=env.settings.key_dir)
    page.goto(f"{server.url}/elections/{slug}/results")
    assert page.locator("table.rounds tbody tr").count() == 6
    assert page.locator("svg[role=img] rect").count() > 6
    screenshot(page, "audit-results-phone")
    desktop = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        desktop.goto(f"{server.url}/elections/{slug}/results")
        screenshot(desktop, "audit-results-desktop")
        desktop.goto(f"{server.url}/elections/{slug}")
        assert desktop.locator("a[href$='/check']").count() == 1
        screenshot(desktop, "audit-election-page")
        desktop.goto(f"{server.url}/elections/{slug}/audit")
        assert desktop.locator("#checkpoints tbody tr").count() >= 2
        screenshot(desktop, "audit-live-page")
    finally:
        desktop.close()
