"""The draft form and the cost forecast in real Chromium, by keyboard alone.

Sign in → open the empty form → save it empty: every problem in the summary
and beside its field → follow the summary's links and type the fixes, add a
candidate row with its button (no JavaScript) → save by pressing Enter in a
field → the draft exists → its cost forecast, with another price typed in.
axe-core (WCAG 2.2 A and AA) runs on the empty form, the form with errors and
the cost page, and each is checked at 320 px for sideways scrolling.
"""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from ballotbox.services.elections import definition_of
from ballotbox.storage import repository
from tests.fixtures.admin import PASSWORD
from tests.fixtures.browser import accessible, press
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser


def type_into(page: Page, field: Locator, text: str) -> None:
    """Focus a field, select what is in it and type over it."""
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_the_accessibility_check_can_fail(page: Page) -> None:
    page.set_content("<!doctype html><html lang=en><title>t</title><main><input></main></html>")
    with pytest.raises(AssertionError, match="label"):
        accessible(page, "admin-drafts-axe-must-fail")


@pytest.mark.slow  # about 30 s: a server and several pages through axe-core
def test_a_draft_is_made_with_the_form_by_keyboard_and_its_costs_shown(
    sqlite_env: BallotEnv, sqlite_url: str, live_server, page: Page
) -> None:
    added = run_cli(
        sqlite_env, "officers", "add", "ro", "--role", "returning-officer", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    uri = next(line for line in added.stdout.splitlines() if line.startswith("otpauth://"))
    totp = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    base = server.url

    page.goto(f"{base}/admin")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type("ro")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(totp.now())
    page.keyboard.press("Enter")
    press(page.get_by_role("link", name="Fill in a new ballot"))
    expect(page.get_by_role("heading", name="Create a ballot with the form")).to_be_visible()
    accessible(page, "admin-drafts-form-empty")

    # Saved empty: every problem at once, in the summary and beside each field.
    press(page.get_by_role("button", name="Save the draft"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    for field in ("slug", "title", "opens", "closes", "c0-candidates"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(5)
    accessible(page, "admin-drafts-form-errors")

    # Each summary link takes the keyboard to its field.
    press(summary.get_by_role("link", name="Address name: use 2-63"))
    expect(page.locator("#slug")).to_be_focused()
    page.keyboard.type("keyboard-2027")
    press(page.get_by_role("link", name="Title: cannot be empty"))
    expect(page.locator("#title")).to_be_focused()
    page.keyboard.type("Keyboard ballot")
    type_into(page, page.locator("#opens"), "2027-03-01 09:00")
    type_into(page, page.locator("#closes"), "2027-03-21 17:00")
    page.locator("#channel-sms").focus()
    page.keyboard.press("Space")  # no SMS for this ballot
    page.locator("#c0-method").focus()
    page.keyboard.press("ArrowDown")  # scottish-stv → meek-stv
    for row, name in enumerate(("Ann", "Bob", "Cat")):
        type_into(page, page.locator(f"#c0-k{row}-name"), name)
    page.locator("#c0-k2-statement").focus()
    page.keyboard.type("First line.")
    page.keyboard.press("Enter")  # a line break in a statement, not a submission
    page.keyboard.type("Second line.")

    press(page.get_by_role("button", name="Add another candidate to contest A"))
    expect(page.locator("#c0-k3-name")).to_be_visible()
    expect(page.locator("#c0-k2-statement")).to_have_value("First line.\nSecond line.")
    expect(page.locator("#channel-sms")).not_to_be_checked()
    type_into(page, page.locator("#c0-k3-name"), "Dee")
    type_into(page, page.locator("#c0-seats"), "2")
    page.keyboard.press("Enter")  # Enter in a field saves (the form's first button)

    expect(page.get_by_role("status")).to_have_text("The draft ballot is created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard ballot")
    with sqlite_env.read() as s:
        made = definition_of(repository.election_by_slug(s, "keyboard-2027"))
    assert made.channels == ["web", "phone", "postal"] and made.is_one_contest_form()
    contest = made.contests[0]
    assert (contest.method, contest.seats) == ("meek-stv", 2)
    assert [(c.name, c.statement) for c in contest.candidates] == [
        ("Ann", ""), ("Bob", ""), ("Cat", "First line.\nSecond line."), ("Dee", "")
    ]  # fmt: skip

    press(page.get_by_role("link", name="Cost forecast"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cost forecast")
    accessible(page, "admin-drafts-costs")
    before = page.locator("#forecast-total").inner_text()
    type_into(page, page.locator("#members"), "200")
    page.keyboard.press("Enter")
    expect(page.locator("#members")).to_have_value("200")
    assert page.locator("#forecast-total").inner_text() != before
    type_into(page, page.locator("#turnout"), "lots")
    page.keyboard.press("Enter")
    expect(page.locator("#turnout-error")).to_contain_text("Give a share from 0 to 1")
    accessible(page, "admin-drafts-costs-error")

    page.goto(f"{base}/admin/ballots/keyboard-2027/delete")
    accessible(page, "admin-drafts-delete")
    press(page.get_by_role("link", name="No, keep it"))
    press(page.get_by_role("link", name="Edit the draft"))
    expect(page.locator("#c0-k3-name")).to_have_value("Dee")
    accessible(page, "admin-drafts-form-edit")

    # Once cards are issued the form is shown locked, with the reason, and has no save button.
    page.goto(f"{base}/admin/ballots/keyboard-2027")
    type_into(page, page.locator("#count"), "2")
    press(page.get_by_role("button", name="Issue the cards"))
    expect(page.get_by_role("status")).to_contain_text("Cards issued")
    expect(page.get_by_role("link", name="Edit the draft")).to_have_count(0)
    page.goto(f"{base}/admin/ballots/keyboard-2027/edit")
    expect(page.get_by_role("note")).to_contain_text("2 ballot token(s) have been issued")
    expect(page.locator("#title")).to_be_disabled()
    expect(page.get_by_role("button", name="Save the draft")).to_have_count(0)
    accessible(page, "admin-drafts-form-locked")
    page.goto(f"{base}/admin/ballots/keyboard-2027/dashboard")
    expect(page.locator("#call-minutes")).to_have_text("0")
    accessible(page, "admin-drafts-dashboard")
