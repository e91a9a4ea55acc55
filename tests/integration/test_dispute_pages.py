"""The web dispute form under the check page, and the count on the audit page (real database)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ballotbox.app import create_app
from ballotbox.core.tokens.format import generate
from ballotbox.storage import repository
from tests.fixtures.elections import BallotEnv
from tests.integration.test_disputes import _publish_with_a_changed_and_a_lost_vote
from tests.integration.test_publish import run_election

HTML = {"accept": "text/html"}


@pytest.fixture
def client(ballot_env: BallotEnv) -> Iterator[TestClient]:
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as c:
        yield c


def _post(client: TestClient, slug: str, **fields: str):  # noqa: ANN202
    page = client.get(f"/elections/{slug}/dispute", headers=HTML)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    return client.post(
        f"/elections/{slug}/dispute", data={"csrf_token": csrf.group(1), **fields}, headers=HTML
    )


def test_a_signed_receipt_report_is_counted_as_evidence_on_the_audit_page(
    ballot_env: BallotEnv, client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slug, tokens, receipts = _publish_with_a_changed_and_a_lost_vote(ballot_env, tmp_path / "b")
    assert 'id="dispute-link"' in client.get(f"/elections/{slug}/check", headers=HTML).text
    caplog.set_level(logging.DEBUG)
    done = _post(client, slug, token=tokens[0].grouped, receipt=json.dumps(receipts[0]),
                 text="I ranked Ann first")  # fmt: skip
    assert done.status_code == 200 and 'id="dispute-done"' in done.text
    assert "This is evidence" in done.text
    coded = _post(client, slug, token=tokens[2].digits, receipt=receipts[2]["code"].lower())
    assert "matches the vote published" in coded.text
    audit = client.get(f"/elections/{slug}/audit", headers=HTML).text
    counts = re.search(r'<dl class="facts" id="dispute-counts">(.*?)</dl>', audit, re.S)
    assert counts is not None
    cells = re.findall(r"<dd>(\d+)</dd>", counts.group(1))
    assert cells == ["2", "1", "1", "0", "0"]
    server_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert tokens[0].digits not in server_log and "testclient" not in server_log


def test_bad_input_is_shown_on_the_form_and_stores_nothing(
    ballot_env: BallotEnv, client: TestClient, tmp_path: Path
) -> None:
    slug, tokens, _receipts = run_election(ballot_env)
    early = client.get(f"/elections/{slug}/dispute", headers=HTML)
    assert 'id="not-published"' in early.text
    from tests.integration.test_publish import publish

    publish(ballot_env, slug, tmp_path / "bundle")
    cases = [
        ({"token": "1234"}, 422, "#token"),
        ({"token": generate().digits}, 404, "#token"),
        ({"token": tokens[0].digits, "receipt": "A1B2"}, 422, "#receipt"),
        ({"token": tokens[0].digits, "receipt": "R0GG-YQSA"}, 422, "#receipt"),  # never an O/0
        ({"token": tokens[0].digits, "text": "x" * 2001}, 422, "#text"),
    ]
    for fields, status, anchor in cases:
        page = _post(client, slug, **fields)
        assert page.status_code == status, page.text
        if fields.get("receipt", "").startswith("R0"):
            assert "Receipt codes never use O, 0, I or 1" in page.text
        assert 'class="error-summary"' in page.text and f'href="{anchor}"' in page.text
        assert "Traceback" not in page.text
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, slug)
        assert repository.dispute_count(s, election.id or 0) == 0
    forged = client.post(f"/elections/{slug}/dispute", data={"token": tokens[0].digits})
    assert forged.status_code == 403  # no CSRF token
