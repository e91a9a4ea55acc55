"""The language switch in real Chromium, by keyboard, on a 320 px screen; every page in Welsh fits.

Screenshots go to tests/screenshots/welsh-*.png for a person to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ballotbox.services import elections, publishing, tally
from ballotbox.services.casting import cast
from ballotbox.storage import repository
from tests.fixtures.browser import screenshot
from tests.fixtures.elections import BallotEnv, build_env

pytestmark = pytest.mark.browser


def fits(page: Page, name: str) -> None:
    """Screenshot the page and check nothing sticks out sideways on the screen."""
    screenshot(page, name)
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
              .filter(e => e.closest('.table-wrap, .chart, pre') === null)  // scroll by design
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))"""
    )
    assert overflow == [], f"{name}: sticks out at {page.viewport_size}: {overflow[:5]}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    # A phone widens its layout to fit what sticks out: the page must keep the screen's width.
    size = page.viewport_size
    assert size is not None and page.evaluate("window.innerWidth") == size["width"], name


def tab_to(page: Page, text: str, limit: int = 12) -> None:
    """Press Tab until the focused control says ``text`` (the way a keyboard user gets there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(document.activeElement.textContent || '').trim()") == text:
            return
    raise AssertionError(f"no control saying {text!r} within {limit} presses of Tab")


@pytest.fixture
def site(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[BallotEnv, dict[str, list[Any]]]]:
    """A published ballot from last week and two open ones, on the real clock's dates."""
    env = build_env(sqlite_url, tmp_path / "keys")
    now = datetime.now(UTC)
    past: dict[str, Any] = {"opens": now - timedelta(days=7), "closes": now - timedelta(days=6)}
    env.clock.set(past["opens"])
    done, tokens = env.make_election("done-2026", tokens=4, candidates=3, seats=1, **past)
    for token, choices in zip(tokens, [[1, 2], [2, 3], [1]], strict=False):
        with env.session() as s:
            cast(s, env.ctx, token, choices, "web" if choices[0] == 1 else "phone")
    env.clock.set(past["closes"])
    with env.session() as s:
        elections.close_now(s, env.ctx, repository.election_by_slug(s, done))
    with env.session() as s:
        tally.tally(s, env.ctx, repository.election_by_slug(s, done))
    with env.session() as s:
        publishing.publish(s, env.ctx, repository.election_by_slug(s, done), tmp_path / "out")
    window: dict[str, Any] = {"opens": now - timedelta(hours=1), "closes": now + timedelta(days=1)}
    env.clock.set(now)
    env.make_election("exec-2027", tokens=3, candidates=6, seats=3, **window,
                      description="Tri lle ar bwyllgor gwaith y gangen.")  # fmt: skip
    env.make_election("motion-2027", "referendum", tokens=1, **window)
    yield env, env.tokens
    env.engine.dispose()


def test_switch_to_welsh_by_keyboard_and_vote_on_a_small_phone(
    site: Any, live_server: Callable[..., Any], phone_page: Page
) -> None:
    env, tokens = site
    server = live_server(database_url=env.settings.database_url, key_dir=env.settings.key_dir)
    page = phone_page
    page.goto(server.url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    fits(page, "welsh-0-home-english")
    tab_to(page, "Cymraeg")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pleidleisiwch gyda'ch tocyn pleidleisio"
    )
    expect(page.locator("nav.language [aria-current=true]")).to_have_text("Cymraeg")
    fits(page, "welsh-1-home")
    page.get_by_label("Eich tocyn pleidleisio").fill(tokens["exec-2027"][0].grouped)
    page.keyboard.press("Enter")  # the cookie carries the choice: no ?lang= from here on
    expect(page.get_by_role("heading", level=1)).to_have_text("Test election exec-2027")
    page.get_by_label("Dewis ar gyfer Cy Twombly").fill("1")
    page.get_by_label("Dewis ar gyfer Ann Example").fill("2")
    fits(page, "welsh-2-ballot")
    page.get_by_role("button", name="Adolygu fy mhleidlais").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gwiriwch eich pleidlais")
    fits(page, "welsh-3-review")
    # Switch to English on the review page by keyboard: the same ballot comes back.
    page.keyboard.press("Home")
    page.locator("body").focus()
    tab_to(page, "English")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.locator("ol.review li")).to_have_text([re.compile("Cy Twombly"),
                                                        re.compile("Ann Example")])  # fmt: skip
    page.locator("body").focus()
    tab_to(page, "Cymraeg")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gwiriwch eich pleidlais")
    page.get_by_role("button", name="Bwrw fy mhleidlais").click()
    expect(page.get_by_role("status")).to_contain_text("Mae eich pleidlais wedi'i chofnodi")
    fits(page, "welsh-4-receipt")
    page.goto(f"{server.url}/v/{tokens['exec-2027'][0].digits}")
    expect(page.get_by_role("alert")).to_contain_text("eisoes wedi'i ddefnyddio")
    fits(page, "welsh-5-token-used")
    page.goto(f"{server.url}/v/{tokens['motion-2027'][0].digits}")
    expect(page.get_by_label("Ymatal")).to_be_visible()
    fits(page, "welsh-6-motion")


def test_the_welsh_check_audit_and_result_pages_fit_a_small_phone(
    site: Any, live_server: Callable[..., Any], phone_page: Page
) -> None:
    env, tokens = site
    server = live_server(database_url=env.settings.database_url, key_dir=env.settings.key_dir)
    page = phone_page
    page.goto(f"{server.url}/elections/done-2026/check?lang=cy")
    page.wait_for_selector("#check-form[data-ready=true]")
    expect(page.locator("#check-status")).to_contain_text("Mae'r rhestr wedi cyrraedd: 3 o")
    page.fill("#check-token", tokens["done-2026"][1].grouped)
    page.keyboard.press("Enter")
    answer = page.locator("#check-answer")
    expect(answer).to_contain_text("Mae pleidlais wedi'i chofnodi ar gyfer y tocyn hwn")
    expect(answer).to_contain_text("Sianel: ffôn.")
    fits(page, "welsh-7-check")
    page.fill("#check-token", "1234")
    page.keyboard.press("Enter")
    expect(answer).to_contain_text("Mae 20 digid mewn tocyn; fe deipioch chi 4.")
    page.fill("#check-token", tokens["done-2026"][3].grouped)
    page.keyboard.press("Enter")
    expect(answer).to_contain_text("Nid oes pleidlais wedi'i chofnodi ar gyfer y tocyn hwn")
    for path, name, sentence in [
        ("/elections/done-2026/results", "welsh-8-results", "Pleidleisiau ym mhob rownd"),
        ("/elections/exec-2027/audit", "welsh-9-audit", "Ymdrechion a wrthodwyd"),
        ("/elections/exec-2027", "welsh-10-election", "Y pleidleisio'n cau"),
        ("/nowhere", "welsh-11-not-found", "Heb ddod o hyd i'r dudalen."),
    ]:
        page.goto(server.url + path)
        expect(page.locator("main")).to_contain_text(sentence)
        fits(page, name)
