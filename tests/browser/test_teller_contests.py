"""Keying a letter of a three-contest ballot in real Chromium, by keyboard alone."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from ballotbox.storage.models import Ballot
from tests.browser.test_teller_keying import key_letter, sign_in_by_keyboard
from tests.fixtures.browser import screenshot
from tests.fixtures.contest_ballots import make_three_contest_ballot
from tests.fixtures.elections import BallotEnv
from tests.unit.postal.support import add_tellers, open_batch

pytestmark = pytest.mark.browser


@pytest.fixture
def console(ballot_env: BallotEnv, live_server, database_url: str):
    now = datetime.now(UTC)
    ballot_env.clock.set(now)
    make_three_contest_ballot(
        ballot_env, tokens=2, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    add_tellers(ballot_env, ann="teller", bob="teller", sam="supervisor")
    batch_id = open_batch(ballot_env, "agm-2027", 2)
    server = live_server(database_url=database_url, key_dir=ballot_env.settings.key_dir)
    return server, batch_id, ballot_env


def test_tab_runs_through_every_contest_in_ballot_order(console, page: Page) -> None:
    server, batch_id, env = console
    token = env.tokens["agm-2027"][0].grouped
    # A: 3 then 1; B left blank; C: X against Yes.  12 boxes in card order.
    marks = ["2", "", "1", "", "", "", "", "", "", "X", "", ""]
    other = env.tokens["agm-2027"][1].grouped
    for teller in ("ann", "bob"):
        sign_in_by_keyboard(page, server.url, teller)
        page.goto(f"{server.url}/teller/batches/{batch_id}/key")
        expect(page.locator("#letter")).to_have_value("1")
        expect(page.locator("fieldset.contest-marks legend")).to_have_text(
            [r"A Executive committee numbers written (blank if none)",
             r"B Chair numbers written (blank if none)",
             r"C Motion 1: affiliate to the campaign X for each mark (blank if none)"],
            use_inner_text=True,
        )  # fmt: skip
        if teller == "ann":
            screenshot(page, "teller-contests-keying")
        key_letter(page, token, marks)
        expect(page.get_by_role("status")).to_contain_text("Letter 1")
        # Letter 2: the two tellers read contest C differently.
        key_letter(page, other, ["1", *[""] * 8, "X" if teller == "ann" else "", "", ""])
        expect(page.get_by_role("status")).to_contain_text("Letter 2")  # saved before signing out
        page.context.clear_cookies()
    expect(page.get_by_role("status")).to_contain_text("goes to a supervisor")
    sign_in_by_keyboard(page, server.url, "sam")
    page.goto(f"{server.url}/teller/adjudication/{batch_id}/2")
    expect(page.locator("tr.contest-row.differs")).to_have_text(
        [re.compile(r"^\s*C Motion 1.*the entries differ here", re.S)]
    )
    expect(page.locator("tr.contest-row:not(.differs)")).to_have_count(2)
    screenshot(page, "teller-contests-adjudication")
    with env.read() as s:
        [ballot] = s.exec(select(Ballot)).all()
    assert json.loads(ballot.choices) == {"A": [3, 1], "B": [], "C": [1]}
