"""The audit pages of a three-contest ballot in real Chromium: check my vote and the results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import screenshot
from tests.fixtures.contest_ballots import publish_three_contest_ballot
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser


@pytest.fixture
def site(
    ballot_env: BallotEnv, live_server: Callable[..., Any], database_url: str, tmp_path: Path
) -> Iterator[tuple[Any, str, list[Any], list[dict[str, Any]]]]:
    slug, tokens, receipts = publish_three_contest_ballot(ballot_env, tmp_path / "bundle")
    server = live_server(database_url=database_url, key_dir=ballot_env.settings.key_dir)
    yield server, slug, tokens, receipts


def test_check_my_vote_shows_every_contest_of_the_row(site: Any, phone_page: Page) -> None:
    server, slug, tokens, receipts = site
    page = phone_page
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url + " " + (request.post_data or "")))
    page.goto(f"{server.url}/elections/{slug}/check")
    page.wait_for_selector("#check-form[data-ready=true]")
    page.fill("#check-token", tokens[2].grouped)  # A: 5 1 3, B: blank, C: No
    page.click("#check-form button")
    answer = page.locator("#check-answer")
    expect(answer.get_by_role("heading", level=4)).to_have_text(
        [
            "Contest A: Executive committee",
            "Contest B: Chair",
            "Contest C: Motion 1: affiliate to the campaign",
        ]  # fmt: skip
    )
    expect(answer.locator("ol.review").nth(0).locator("li")).to_have_text(
        ["5 · Eve Online", "1 · Ann Example", "3 · Cy Twombly"]
    )
    expect(answer.locator("p.blank")).to_have_text(["Left blank"])
    expect(answer.locator("ol.review").nth(1).locator("li")).to_have_text(["2 · No"])
    expect(answer).to_contain_text(receipts[2]["code"])
    screenshot(page, "contests-audit-check-320")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not any(tokens[2].digits in r.replace(" ", "").replace("%20", "") for r in sent)


def test_the_results_of_every_contest_fit_a_small_phone(site: Any, phone_page: Page) -> None:
    server, slug, _tokens, _receipts = site
    page = phone_page
    page.goto(f"{server.url}/elections/{slug}/results")
    expect(page.locator("section.result h2")).to_have_text(
        [
            "Contest A: Executive committee",
            "Contest B: Chair",
            "Contest C: Motion 1: affiliate to the campaign",
        ]  # fmt: skip
    )
    expect(page.locator("svg[role=img]")).to_have_count(3)
    page.get_by_role("link", name="Contest B: Chair").click()
    expect(page.locator("#contest-B-result-heading")).to_be_in_viewport()
    screenshot(page, "contests-audit-results-320")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
