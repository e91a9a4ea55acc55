"""The voting pages in real Chromium: a phone-sized screen, keyboard and errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import fits, screenshot
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser


@pytest.fixture
def site(sqlite_env: BallotEnv, live_server, sqlite_url: str):
    now = datetime.now(UTC)
    sqlite_env.clock.set(now)
    opens, closes = now - timedelta(hours=1), now + timedelta(days=1)
    sqlite_env.make_election(
        "exec-2027",
        tokens=3,
        candidates=6,
        seats=3,
        opens=opens,
        closes=closes,
        description="Three places on the branch executive.",
    )
    sqlite_env.make_election("motion-2027", "referendum", tokens=1, opens=opens, closes=closes)
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    return server, sqlite_env.tokens


def test_rank_review_and_cast_on_a_small_phone(site, phone_page: Page) -> None:
    server, tokens = site
    page = phone_page
    page.goto(server.url)
    fits(page, "voting-1-home")
    page.get_by_label("Your ballot token").fill(tokens["exec-2027"][0].grouped)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test election exec-2027")
    page.get_by_label("Preference for Cy Twombly").fill("1")
    page.get_by_label("Preference for Ann Example").fill("2")
    page.get_by_label("Preference for Flo Rida").fill("3")
    fits(page, "voting-2-ballot")
    page.get_by_role("button", name="Review my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.locator("ol.review li")).to_have_text(
        [re.compile("Cy Twombly"), re.compile("Ann Example"), re.compile("Flo Rida")]
    )
    fits(page, "voting-3-review")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("status")).to_contain_text("Your vote has been recorded")
    expect(page.locator(".code")).to_have_text(re.compile(r"^[2-9A-HJ-NP-Z]{8}$"))
    fits(page, "voting-4-receipt")
    # The same card again: a clear refusal, and the token entry page again.
    page.goto(f"{server.url}/v/{tokens['exec-2027'][0].digits}")
    expect(page.get_by_role("alert")).to_contain_text("already been used")


def test_errors_are_announced_and_input_kept(site, phone_page: Page) -> None:
    server, tokens = site
    page = phone_page
    page.goto(server.url)
    digits = tokens["exec-2027"][1].digits
    typo = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    page.get_by_label("Your ballot token").fill(typo)
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("typing error")
    expect(page.get_by_label("Your ballot token")).to_have_value(typo)
    expect(page.get_by_label("Your ballot token")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "voting-5-token-typo")
    page.get_by_label("Your ballot token").fill(digits)
    page.keyboard.press("Enter")
    page.get_by_label("Preference for Ann Example").fill("1")
    page.get_by_label("Preference for Bob Builder").fill("1")
    page.get_by_role("button", name="Review my vote").click()
    expect(page.get_by_role("alert")).to_contain_text("Two candidates are marked 1")
    expect(page.get_by_label("Preference for Bob Builder")).to_have_value("1")
    screenshot(page, "voting-6-duplicate-rank")


def test_referendum_by_keyboard_only(site, page: Page) -> None:
    server, tokens = site
    page.goto(f"{server.url}/v/{tokens['motion-2027'][0].digits}")
    page.get_by_label("No").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    page.get_by_role("button", name="Cast my vote").focus()
    page.keyboard.press("Enter")
    expect(page.locator("ol.review")).to_contain_text("No")
    screenshot(page, "voting-7-referendum-receipt")
