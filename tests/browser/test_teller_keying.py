"""The keying form in real Chromium, driven by the keyboard alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fixtures.browser import CHROMIUM_ARGS, screenshot  # noqa: F401
from tests.fixtures.elections import BallotEnv
from tests.unit.postal.support import PASSWORD, add_tellers, open_batch

pytestmark = pytest.mark.browser


@pytest.fixture
def console(sqlite_env: BallotEnv, live_server, sqlite_url: str):
    now = datetime.now(UTC)
    sqlite_env.clock.set(now)
    sqlite_env.make_election(
        "nec-2027",
        tokens=4,
        candidates=5,
        opens=now - timedelta(hours=1),
        closes=now + timedelta(days=1),
    )
    add_tellers(sqlite_env, ann="teller", bob="teller")
    batch_id = open_batch(sqlite_env, "nec-2027", 3)
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    return server, batch_id, sqlite_env.tokens["nec-2027"]


def sign_in_by_keyboard(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/teller/login")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Postal batches")).to_be_visible()


def key_letter(page: Page, token: str, marks: list[str]) -> None:
    """Token, then Tab through the preference boxes in card order, then Enter."""
    expect(page.locator("#token")).to_be_focused()
    page.keyboard.type(token)
    for mark in marks:
        page.keyboard.press("Tab")
        if mark:
            page.keyboard.type(mark)
    page.keyboard.press("Enter")


def test_two_tellers_key_a_letter_by_keyboard_and_it_is_cast(
    console, page: Page, browser: Browser
) -> None:
    server, batch_id, tokens = console
    sign_in_by_keyboard(page, server.url, "ann")
    screenshot(page, "teller-home")
    page.goto(f"{server.url}/teller/batches/{batch_id}/key")
    expect(page.locator("#remaining")).to_contain_text("3 letters left for you in this batch of 3")
    expect(page.locator("#letter")).to_have_value("1")

    # The check digits are checked as the token is typed.
    token = tokens[0].grouped
    page.locator("#token").press_sequentially(token[:9])
    expect(page.locator("#token-check")).to_have_text("8 of 20 digits")
    wrong_last = str((int(token[-1]) + 1) % 10)
    page.keyboard.type(token[9:-1] + wrong_last)
    expect(page.locator("#token-check")).to_contain_text("Check digits wrong")
    expect(page.locator("#token")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "teller-keying-checksum-wrong")
    page.keyboard.press("Backspace")
    page.keyboard.type(token[-1])
    expect(page.locator("#token-check")).to_contain_text("Check digits correct")
    # Tab order follows the card: candidates 1..5, then the spoilt choice, then Save.
    order = []
    for _ in range(7):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")
        )
    assert order == ["mark_1", "mark_2", "mark_3", "mark_4", "mark_5", "spoilt", "Save letter 1"]
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
    expect(page.locator("#mark_1")).to_be_focused()
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Letter 1 saved: waiting for a second teller.")
    expect(page.locator("#letter")).to_have_value("2")
    expect(page.locator("#remaining")).to_contain_text("2 letters left")
    expect(page.locator("#token")).to_be_focused()
    screenshot(page, "teller-keying-saved")

    # A server-side refusal keeps what was typed and puts the cursor back on the problem.
    key_letter(page, tokens[1].digits, ["1", "1"])
    expect(page.get_by_role("alert")).to_contain_text("Two candidates are marked 1")
    expect(page.locator("#mark_1")).to_have_value("1")
    expect(page.locator("#mark_1")).to_be_focused()
    screenshot(page, "teller-keying-error")

    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        bob = other.new_page()
        sign_in_by_keyboard(bob, server.url, "bob")
        bob.goto(f"{server.url}/teller/batches/{batch_id}/key")
        expect(bob.locator("#letter")).to_have_value("1")
        key_letter(bob, tokens[0].digits, ["2", "", "1"])
        expect(bob.get_by_role("status")).to_have_text(
            "Letter 1: both entries agree. The ballot is cast."
        )
        screenshot(bob, "teller-keying-cast")
        bob.goto(f"{server.url}/teller/elections/nec-2027/reconciliation")
        expect(bob.get_by_role("status")).to_contain_text("Every letter is accounted for")
        screenshot(bob, "teller-reconciliation")
    finally:
        other.close()


def test_the_form_works_without_javascript(console, browser: Browser) -> None:
    server, batch_id, tokens = console
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in_by_keyboard(page, server.url, "ann")
        page.goto(f"{server.url}/teller/batches/{batch_id}/key")
        digits = tokens[2].digits
        page.locator("#token").fill(digits[:-1] + str((int(digits[-1]) + 1) % 10))
        page.locator("#mark_1").fill("1")
        page.locator("#token").press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("check the digits")
        page.locator("#token").fill(digits)
        page.locator("#token").press("Enter")
        expect(page.get_by_role("status")).to_have_text(
            "Letter 1 saved: waiting for a second teller."
        )
    finally:
        context.close()
