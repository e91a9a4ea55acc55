"""A ballot of three contests in real Chromium: one page, one review, one cast; keyboard, 320 px."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import fits, screenshot
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser


@pytest.fixture
def site(ballot_env: BallotEnv, live_server, database_url: str):
    now = datetime.now(UTC)
    ballot_env.clock.set(now)
    make_three_contest_ballot(
        ballot_env, tokens=3, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    server = live_server(database_url=database_url, key_dir=ballot_env.settings.key_dir)
    return server, ballot_env.tokens["agm-2027"]


def contest(page: Page, key: str):
    """The fieldset of contest ``key``."""
    return page.locator(f"#contest-{key}")


def test_three_contests_on_a_320px_phone(site, phone_page: Page) -> None:
    server, tokens = site
    page = phone_page
    page.goto(f"{server.url}/v/{tokens[0].digits}")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        [re.compile("Executive committee"), re.compile("Chair"), re.compile("Motion 1")]
    )
    slate = contest(page, "A")
    expect(page.get_by_role("group", name=re.compile("Executive committee"))).to_be_visible()
    slate.get_by_label("Preference for Cy Twombly").fill("1")
    slate.get_by_label("Preference for Eve Online").fill("2")
    slate.get_by_label("Preference for Ann Example").fill("3")
    contest(page, "B").get_by_label("Preference for Nye Bevan").fill("1")
    contest(page, "B").get_by_label("Preference for Ann Example").fill("2")
    contest(page, "C").get_by_label("Yes").check()
    fits(page, "contests-1-ballot-320")
    page.get_by_role("button", name="Review my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.locator("ol.review, ul.review")).to_have_count(3)
    expect(page.locator(".review").nth(0)).to_contain_text("Cy Twombly")
    expect(page.locator(".review").nth(2)).to_have_text("Yes")
    fits(page, "contests-2-review-320")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("status")).to_contain_text("Your vote has been recorded")
    expect(page.locator("h3.contest-heading")).to_have_count(3)
    fits(page, "contests-3-receipt-320")


def test_errors_per_contest_link_to_their_fields(site, phone_page: Page) -> None:
    server, tokens = site
    page = phone_page
    page.goto(f"{server.url}/v/{tokens[1].digits}")
    contest(page, "A").get_by_label("Preference for Ann Example").fill("1")
    contest(page, "A").get_by_label("Preference for Bob Builder").fill("1")
    contest(page, "B").get_by_label("Preference for Mo Farah").fill("2")
    page.get_by_role("button", name="Review my vote").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        [
            re.compile("^Contest A, Executive committee: Two candidates are marked 1"),
            re.compile("^Contest B, Chair: There is no choice number 1"),
        ]  # fmt: skip
    )
    fits(page, "contests-4-errors-320")
    summary.get_by_role("link").nth(1).click()
    expect(contest(page, "B").get_by_label("Preference for Ann Example")).to_be_focused()
    expect(contest(page, "A").get_by_label("Preference for Bob Builder")).to_have_value("1")
    expect(contest(page, "A").get_by_label("Preference for Bob Builder")).to_have_attribute(
        "aria-invalid", "true"
    )


def test_keyboard_only_with_a_contest_left_blank(site, page: Page) -> None:
    server, tokens = site
    page.goto(f"{server.url}/v/{tokens[2].digits}")
    # Tab from the top of the page to the first rank box of contest A: nothing is skipped.
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "rank_A_1":
            break
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    # Contest B is left blank; to contest C's radios by Tab, then choose No with the arrows.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "choice_C":
            break
    page.keyboard.press("ArrowDown")  # Yes → No (arrows move and select within a radio group)
    expect(contest(page, "C").get_by_label("No")).to_be_checked()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Review my vote":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.locator(".review").nth(1)).to_have_text("Left blank")
    screenshot(page, "contests-5-review-keyboard")
    page.get_by_role("button", name="Cast my vote").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your vote has been recorded")
    expect(page.locator(".review").nth(0)).to_contain_text("Bob Builder")
