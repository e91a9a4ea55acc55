"""The console's cost forecast and the dashboard's usage figures, over HTTP on both backends.

The cost page's figures are those of ``ballotbox election costs`` (with the
same prices and assumptions); the dashboard shows the SMS segments and call
minutes counted so far and the guessing alert, never results.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ballotbox.app import create_app
from ballotbox.core.members.registers import read_register
from ballotbox.services import costs
from ballotbox.services import members as registers
from ballotbox.storage import repository
from tests.fixtures.admin import add_officer, sign_in
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv


@pytest.fixture
def env(ballot_env: BallotEnv) -> BallotEnv:
    ballot_env.make_election("test-2027", tokens=3, open_=False)
    return ballot_env


@pytest.fixture
def officer(env: BallotEnv) -> Iterator[TestClient]:
    secret = add_officer(env, "ro")
    with TestClient(create_app(env.settings, env.ctx), headers={"accept": "text/html"}) as c:
        assert sign_in(c, env, "ro", secret).status_code == 303
        yield c


def error_beside(page: str, field_id: str) -> str:
    """The message shown beside a field, unescaped."""
    found = re.search(rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>', page)
    assert found, f"no error beside {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


REGISTER = "No,Name,Format\n" + "".join(
    f"{n},Member {n},{'large-print' if n <= 4 else 'ballot-paper' if n <= 10 else 'standard'}\n"
    for n in range(1, 41)
)


def cli_totals(env: BallotEnv, *args: str, extra: dict[str, str] | None = None) -> list[str]:
    done = run_cli(env, "election", "costs", "test-2027", *args, extra_env=extra)
    assert done.returncode == 0, done.stderr
    found = re.search(r"│ total .*", done.stdout)
    assert found, done.stdout
    return re.findall(r"\d+\.\d\d", found.group(0))


def page_totals(page: str) -> list[str]:
    return [
        re.search(rf'id="{name}">([^<]+)<', page).group(1)  # type: ignore[union-attr]
        for name in ("forecast-total", "so-far-total")
    ]


def test_the_cost_page_shows_the_figures_of_election_costs(
    env: BallotEnv, officer: TestClient
) -> None:
    with env.session() as s:
        election = repository.election_by_slug(s, "test-2027")
        registers.import_register(s, election, read_register(REGISTER, "Branch"))
        costs.count_usage(s, "test-2027", costs.SMS_IN, 7)
        costs.count_call(s, "test-2027", 125)
    page = officer.get("/admin/ballots/test-2027/costs")
    assert page.status_code == 200
    assert page_totals(page.text) == cli_totals(env)
    # From the register's formats: 4 large-print cards, 6 ballot papers, 30 standard cards.
    assert re.search(r"large-print cards</td><td>0.12</td>\s*<td>4</td>", page.text)
    assert re.search(r"postal ballot papers</td><td>0.10</td>\s*<td>6</td>", page.text)
    assert re.search(r"ballot cards</td><td>0.06</td>\s*<td>30</td>", page.text)
    asked = {"price_postage_letter": "1.10", "turnout": "40%", "papers": "12"}
    tried = officer.get("/admin/ballots/test-2027/costs", params=asked)
    cli = cli_totals(
        env, "--turnout", "0.4", "--papers", "12", extra={"BALLOTBOX_PRICE_POSTAGE_LETTER": "1.10"}
    )
    assert page_totals(tried.text) == cli
    wrong = officer.get(
        "/admin/ballots/test-2027/costs", params={"price_sms_segment": "-1", "members": "many"}
    )
    assert wrong.status_code == 422
    assert "Give a price such as 0.06" in error_beside(wrong.text, "price_sms_segment")
    assert "Give a whole number" in error_beside(wrong.text, "members")
    assert page_totals(wrong.text) == cli_totals(env)  # the defaults stand in for bad figures


def test_the_dashboard_shows_sms_segments_and_call_minutes_used_and_guessing(
    env: BallotEnv, officer: TestClient
) -> None:
    with env.session() as s:
        costs.count_usage(s, "test-2027", costs.SMS_IN, 5)
        costs.count_usage(s, "test-2027", costs.SMS_OUT, 3)
        costs.count_call(s, "test-2027", 61)
        costs.count_usage(s, costs.UNATTRIBUTED, costs.CALL_MINUTES, 9)
    board = officer.get("/admin/ballots/test-2027/dashboard").text
    for name, value in (("sms-in", 5), ("sms-out", 3), ("calls", 1), ("call-minutes", 2)):
        assert f'id="{name}">{value}<' in board
    assert "9 call minutes" in board
    assert 'id="flood"' in board and 'id="flood-alert"' not in board
    guard = officer.app.state.guard  # type: ignore[attr-defined]
    with env.session() as s:
        for n in range(env.settings.flood_alert):
            guard.failed(s, "sms", f"+4477009{n:05d}", unknown_token=True)
    flooded = officer.get("/admin/ballots/test-2027/dashboard").text
    assert 'id="flood-alert"' in flooded and "Someone may be guessing ballot tokens" in flooded
    assert f"<td>sms</td><td>{env.settings.flood_alert}</td>" in flooded
