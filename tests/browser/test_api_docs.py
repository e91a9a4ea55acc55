"""``/docs`` in real Chromium under the app's own Content-Security-Policy: not blank."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import screenshot

pytestmark = pytest.mark.browser


def test_the_api_docs_render_with_nothing_from_outside(live_server, page: Page) -> None:
    server = live_server()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    answer = page.goto(server.url + "/docs")
    assert answer is not None and "script-src 'self'" in answer.headers["content-security-policy"]
    expect(page.get_by_text("/api/v1/elections/{slug}/ballots").first).to_be_visible()
    expect(page.get_by_role("heading", name="ballotbox").first).to_be_visible()
    screenshot(page, "api-docs")
    assert outside == [] and refused == []
