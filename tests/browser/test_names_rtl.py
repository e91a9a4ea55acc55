"""A right-to-left name and a 60-character name on the voting pages, in real Chromium.

Each name sits in its own ``<bdi>``, so an Arabic name keeps its own
direction without turning the number before it or the text after it round,
and no page scrolls sideways on a 320 px phone (issue 13).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from ballotbox.definition import definition_from_dict
from ballotbox.services import elections, issuance
from tests.fixtures.browser import fits
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser

ARABIC = "محمد عبد الله الفاسي"
LONG = "Maximiliana Wilhelmina Theodora Featherstonehaugh-Cholmondel"  # 60 characters
SLUG = "names-2027"


@pytest.fixture
def site(sqlite_env: BallotEnv, live_server, sqlite_url: str):
    now = datetime.now(UTC)
    sqlite_env.clock.set(now)
    document = sqlite_env.definition(
        SLUG, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    document["candidates"] = [
        {"number": 1, "name": ARABIC},
        {"number": 2, "name": LONG},
        {"number": 3, "name": "Ann Example"},
    ]
    with sqlite_env.session() as s:
        election = elections.create(s, sqlite_env.ctx, definition_from_dict(document))
        tokens = issuance.issue(s, sqlite_env.ctx, election, 1)
        elections.open_now(s, sqlite_env.ctx, election)
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    return server, tokens[0]


def test_right_to_left_and_long_names_keep_their_order_and_fit_a_small_phone(
    site, phone_page: Page
) -> None:
    server, token = site
    page = phone_page
    assert len(LONG) == 60
    page.goto(f"{server.url}/elections/{SLUG}")
    expect(page.locator("ol.candidates bdi")).to_have_text([ARABIC, LONG, "Ann Example"])
    fits(page, "names-rtl-1-election")
    page.goto(f"{server.url}/v/{token.grouped.replace(' ', '')}")
    # The number stays before the name, whatever the name's direction.
    label = page.locator("label", has=page.locator("bdi", has_text=ARABIC))
    expect(label).to_have_text(re.compile(rf"^\s*1\s+{re.escape(ARABIC)}\s*$"))
    page.get_by_label(f"Preference for {ARABIC}").fill("1")
    page.get_by_label(f"Preference for {LONG}").fill("2")
    fits(page, "names-rtl-2-ballot")
    page.get_by_role("button", name="Review my vote").click()
    expect(page.locator("ol.review li bdi")).to_have_text([ARABIC, LONG])
    fits(page, "names-rtl-3-review")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("recorded"))
    expect(page.locator("main li bdi")).to_have_text([ARABIC, LONG])
    fits(page, "names-rtl-4-receipt")
