"""In real Chromium: a candidate or contest named like a refresh tag does not take voters away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from ballotbox.definition import definition_from_dict
from ballotbox.services import elections, issuance
from tests.fixtures.browser import screenshot
from tests.fixtures.contest_ballots import three_contests
from tests.fixtures.elections import BallotEnv

pytestmark = pytest.mark.browser

REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.example/vote">Ann Example'
SCRIPT = "<script>document.title='owned'</script>Bob Builder"


def test_the_official_pages_stay_put_whatever_the_names(
    sqlite_env: BallotEnv,
    live_server,
    sqlite_url: str,
    page: Page,
) -> None:
    now = datetime.now(UTC)
    sqlite_env.clock.set(now)
    doc = sqlite_env.definition(
        "exec-2027", opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    doc["candidates"][:2] = [{"number": 1, "name": REFRESH}, {"number": 2, "name": SCRIPT}]
    # A ballot of three contests: a contest titled like a refresh tag, names like scripts.
    agm = three_contests("agm-2027", opens=doc["opens"], closes=doc["closes"])
    agm["contests"][0]["candidates"][0]["name"] = SCRIPT
    agm["contests"][1]["title"] = REFRESH
    agm["contests"][1]["candidates"][2]["name"] = REFRESH
    agm["contests"][2]["title"] = SCRIPT
    tokens = []
    with sqlite_env.session() as s:
        for document in (doc, agm):
            election = elections.create(s, sqlite_env.ctx, definition_from_dict(document))
            tokens += issuance.issue(s, sqlite_env.ctx, election, 1)
            elections.open_now(s, sqlite_env.ctx, election)
    server = live_server(database_url=sqlite_url, key_dir=sqlite_env.settings.key_dir)
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    paths = ["/elections/exec-2027", "/elections/agm-2027", *(f"/v/{t.digits}" for t in tokens)]
    for path in paths:
        page.goto(server.url + path)
        page.wait_for_timeout(1500)  # a refresh of 0 seconds would have fired by now
        assert page.url == server.url + path
        expect(page.get_by_text(REFRESH).first).to_be_visible()
        assert page.title() != "owned"
    screenshot(page, "hostile-names-ballot")
    assert all(url.startswith(server.url) for url in visited), visited
