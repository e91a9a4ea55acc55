"""The officers' console in real Chromium, by keyboard alone: a whole ballot from an empty database.

``ballotbox officers add`` → sign in with Username, Password and One-time code →
create the ballot → import two registers (one UTF-16, one with duplicates), each
previewed first → resolve the duplicates (a merge and a removal, with reasons) →
issue cards (the CSV downloaded once) → open → casts by the JSON API → close →
count → publish → ``ballotbox-verify`` accepts the bundle.
axe-core (WCAG 2.2 A and AA) runs on every console page on the way, and each
page is checked at 320 px for sideways scrolling.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.admin import PASSWORD, TOML
from tests.fixtures.browser import accessible, press
from tests.fixtures.cli import run, run_cli
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser


def check_page(page: Page, name: str) -> None:
    accessible(page, f"admin-{name}")


def definition(slug: str) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    text = TOML.format(slug=slug)
    text = text.replace(
        "2027-01-10T09:00:00Z", (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    )
    return text.replace(
        "2027-01-31T17:00:00Z", (now + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    )


# Excel's "Unicode Text" (UTF-16, TAB-separated): a bad email (kept, with a warning) and a
# column the register does not keep.
NORTH = (
    "Membership No\tFull Name\tEmail\tPostcode\tBranch\n"
    "NW-1\tJosé Müller\tjose@example.org\tM1 1AA\tNorth\n"
    "NW-2\tAnn Lee\tann@bad\tM2 2BB\tNorth\n"
    "NW-3\tSam Roe\tsam@example.org\tM3 3CC\tNorth\n"
)
# UTF-8 CSV with two possible duplicates: S-1 is NW-1 (name and email), S-3 is S-2 (name, postcode).
SOUTH = (
    "Member No,Name,Email,Postcode\n"
    "S-1,Jose Muller,jose@example.org,\n"
    "S-2,Kim Park,kim@example.org,S1 1AA\n"
    "S-3,Kim Park,,s11aa\n"
)


def import_register(page: Page, org: str, path: Path, name: str, expect_text: str) -> None:
    """Upload a register by keyboard, check its preview, and confirm the import."""
    page.locator("#org").focus()
    page.keyboard.type(org)
    page.locator("#file").set_input_files(path)  # the file chooser is the browser's, not ours
    press(page.get_by_role("button", name="Preview the register"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the register before importing it"
    )
    expect(page.locator("main")).to_contain_text(expect_text)
    check_page(page, f"register-preview-{name}")
    press(page.get_by_role("button", name=re.compile(f"^Import \\d+ member\\(s\\) for {org}$")))
    expect(page.get_by_role("status")).to_have_text("The register is imported.")


def registers_and_duplicates(page: Page, tmp_path: Path) -> None:
    """From the ballot page: import both registers, then merge and remove the duplicates."""
    press(page.get_by_role("link", name="Registers", exact=True).last)
    expect(page.get_by_role("heading", name="Registers", exact=True)).to_be_visible()
    check_page(page, "registers-empty")
    garbage = tmp_path / "members.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not a register")
    page.locator("#org").focus()
    page.keyboard.type("North West")
    page.locator("#file").set_input_files(garbage)
    press(page.get_by_role("button", name="Preview the register"))
    expect(page.get_by_role("alert")).to_contain_text("an Excel workbook or other zip file")
    check_page(page, "registers-refused")
    page.locator("#org").fill("")

    north = tmp_path / "north.txt"
    north.write_bytes(NORTH.encode("utf-16"))
    import_register(page, "North West", north, "utf16", "UTF-16 little-endian")
    expect(page.locator("main")).to_contain_text("3 members on the registers")
    south = tmp_path / "south.csv"
    south.write_text(SOUTH, encoding="utf-8")
    import_register(page, "South", south, "south", "UTF-8")
    check_page(page, "registers")

    press(page.get_by_role("link", name="Review 2 possible duplicate(s)"))
    expect(page.get_by_role("heading", name="Group 2")).to_be_visible()
    check_page(page, "duplicates")
    page.locator("#merge-reason-1").focus()  # keep NW-1, merge S-1 into it: the defaults
    page.keyboard.type("Same person: moved from North West to South")
    press(page.get_by_role("button", name="Merge group 1"))
    expect(page.get_by_role("status")).to_contain_text("The two records are merged")
    expect(page.get_by_role("heading", name="Group 2")).to_have_count(0)
    page.locator("#remove-reason-1").focus()  # remove S-3, the last record: the default
    page.keyboard.type("Listed twice by South's secretary")
    press(page.get_by_role("button", name="Remove from group 1"))
    expect(page.get_by_role("status")).to_contain_text("The record is removed")
    expect(page.locator("main")).to_contain_text("No one appears to be listed twice.")
    check_page(page, "duplicates-resolved")

    press(page.get_by_role("link", name="Registers", exact=True).last)
    page.locator("#number").focus()
    page.keyboard.type("NW-2")
    press(page.get_by_role("button", name="Find the member"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ann Lee")
    check_page(page, "member")
    page.locator("#card_format").focus()
    page.keyboard.press("ArrowDown")  # standard → large-print
    expect(page.locator("#card_format")).to_have_value("large-print")
    page.locator("#reason").focus()
    page.keyboard.type("Asked for large print by phone")
    press(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("card format and language are saved")
    expect(page.locator("main")).to_contain_text("4 members on the registers")


def test_the_accessibility_check_can_fail(page: Page) -> None:
    page.set_content("<!doctype html><html lang=en><title>t</title><main><input></main></html>")
    with pytest.raises(AssertionError, match="label"):
        check_page(page, "axe-must-fail")


@pytest.mark.slow  # about 45 s: a server, a print run, a count and a verify
def test_a_whole_ballot_through_the_console_by_keyboard(
    sqlite_env: BallotEnv, sqlite_url: str, live_server, page: Page, tmp_path: Path
) -> None:
    added = run_cli(
        sqlite_env,
        "officers",
        "add",
        "ro",
        "--role",
        "returning-officer",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    uri = next(line for line in added.stdout.splitlines() if line.startswith("otpauth://"))
    totp = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    base = server.url

    page.goto(f"{base}/admin")
    expect(page).to_have_url(f"{base}/admin/sign-in")
    check_page(page, "sign-in")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type("ro")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(totp.now())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ballots", exact=True)).to_be_visible()
    check_page(page, "ballots-empty")

    press(page.get_by_role("link", name="Create a ballot"))
    expect(page.get_by_role("heading", name="Create a ballot")).to_be_visible()
    check_page(page, "new-ballot")
    page.locator("#definition").focus()
    page.keyboard.insert_text(definition("BAD SLUG"))
    press(page.get_by_role("button", name="Create the draft"))
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    check_page(page, "new-ballot-error")
    page.locator("#definition").fill("")
    page.locator("#definition").focus()
    page.keyboard.insert_text(definition("branch-2027"))
    press(page.get_by_role("button", name="Create the draft"))
    expect(page.get_by_role("status")).to_have_text("The draft ballot is created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Branch committee <b>2027</b> & co")
    check_page(page, "ballot-draft")
    registers_and_duplicates(page, tmp_path)
    press(page.get_by_role("link", name="Ballots").first)
    expect(
        page.get_by_role("cell", name="Issue cards: no ballot tokens are issued yet.")
    ).to_be_visible()
    check_page(page, "ballots")
    press(page.get_by_role("link", name="Branch committee <b>2027</b> & co"))

    page.locator("#count").focus()
    page.keyboard.type("4")
    page.locator("#csv").focus()
    page.keyboard.press("Space")
    press(page.get_by_role("button", name="Issue the cards"))
    expect(page.get_by_role("status")).to_contain_text("Cards issued")
    check_page(page, "ballot-cards-waiting")
    with page.expect_download() as download:
        press(page.get_by_role("button", name="Download branch-2027-cards.csv"))
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 4
    page.goto(f"{base}/admin/ballots/branch-2027")
    expect(page.get_by_role("button", name="Download branch-2027-cards.csv")).to_have_count(0)

    press(page.get_by_role("button", name="Open voting now"))
    expect(page.get_by_role("status")).to_have_text("Voting is open.")
    check_page(page, "ballot-open")
    for row, choices in zip(rows[:3], ([1, 2], [2, 3], [3]), strict=True):
        cast = httpx.post(
            f"{base}/api/v1/elections/branch-2027/ballots",
            json={"token": row["token"], "choices": choices},
        )
        assert cast.status_code == 201, cast.text
    press(page.get_by_role("link", name="Live dashboard"))
    expect(page.locator(".big")).to_contain_text("3 / 4")
    expect(page.locator("main")).not_to_contain_text("Ada")  # never running results
    check_page(page, "dashboard")
    page.go_back()

    press(page.get_by_role("button", name="Close voting now"))
    expect(page.get_by_role("status")).to_have_text("Voting is closed.")
    check_page(page, "ballot-closed")
    press(page.get_by_role("button", name="Count the votes"))
    expect(page.get_by_role("status")).to_contain_text("The votes are counted")
    check_page(page, "ballot-counted")
    press(page.get_by_role("button", name="Publish the results"))
    expect(page.get_by_role("status")).to_contain_text("Published")
    check_page(page, "ballot-published")

    press(page.get_by_role("link", name="Officer log"))
    expect(page.get_by_role("heading", name="Officer log")).to_be_visible()
    # The account; 2 imports, a merge, a removal, a member changed; 7 ballot actions.
    expect(page.locator("tbody tr")).to_have_count(13)
    check_page(page, "officer-log")
    page.goto(f"{base}/admin/ballots/no-such-ballot")
    check_page(page, "error")
    press(page.get_by_role("link", name="Accounts"))
    expect(page.get_by_role("heading", name="ro", exact=True)).to_be_visible()
    check_page(page, "accounts")
    press(page.get_by_role("button", name="New one-time codes for ro"))
    expect(page.locator("code.uri")).to_contain_text("otpauth://totp/")
    check_page(page, "new-codes")

    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(httpx.get(f"{base}/elections/branch-2027/bundle.zip").content)
    verified = run("ballotbox-verify", str(bundle), env={"PATH": "/usr/bin:/bin"})
    assert verified.returncode == 0, verified.stdout + verified.stderr
