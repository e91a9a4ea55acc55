"""The cost forecast and the cost so far, on SQLite and PostgreSQL.

The SMS and phone adapters count segments and call minutes as bare totals per
ballot; the test checks the numbers a treasurer would see, and that the
counters hold nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from ballotbox.adapters.httpkit.twilio import SIGNATURE_HEADER, sign
from ballotbox.adapters.sms.simulator import send
from ballotbox.core.errors import InputError
from ballotbox.core.members.registers import read_register
from ballotbox.services import costs, print_runs
from ballotbox.services import issuance_register as registry
from ballotbox.services import members as registers
from ballotbox.storage import repository, repository_admin
from tests.fixtures.cli import run_cli
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, client_for

SLUG = "test-2027"
REGISTER = "No,Name\n" + "".join(f"{n},Member {n}\n" for n in range(1, 101))


@pytest.fixture
def app(ballot_env: BallotEnv) -> Iterator[TestClient]:
    """The app with Twilio on, without its lifespan."""
    client = client_for(ballot_env)
    yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def with_register(env: BallotEnv, *, tokens: int = 0, open_: bool = False) -> None:
    env.make_election(SLUG, tokens=tokens, open_=open_)
    with env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        registers.import_register(s, election, read_register(REGISTER, "Branch"))


def report(env: BallotEnv, **wanted: object) -> costs.CostReport:
    with env.read() as s:
        election = repository.election_by_slug(s, SLUG)
        return costs.cost_report(s, env.settings, election, costs.Assumptions(**wanted))  # type: ignore[arg-type]


def test_the_forecast_prices_each_channel_from_the_register_and_the_formats(
    ballot_env: BallotEnv,
) -> None:
    with_register(ballot_env)
    got = report(ballot_env, large_print=10, papers=20, turnout=0.5)
    lines = {(line.channel, line.item): (line.forecast, line.forecast_cost) for line in got.lines}
    assert got.members == 100 and got.currency == "GBP"
    assert lines == {
        ("print", "ballot cards"): (100, Decimal("6.00")),
        ("print", "large-print cards"): (10, Decimal("1.20")),
        ("print", "postal ballot papers"): (20, Decimal("2.00")),
        ("post", "letters posted to members"): (130, Decimal("113.10")),
        ("post", "votes posted back"): (10, Decimal("8.70")),
        ("sms", "SMS segments"): (22, Decimal("0.88")),  # 100 × 0.5 × 0.15 × 3 = 22.5, to even
        ("phone", "call minutes"): (15, Decimal("0.23")),  # 0.225 rounds half up
        ("web", "web votes"): (0, Decimal("0.00")),
    }
    assert got.forecast_total == Decimal("132.11")
    assert got.by_channel()["post"] == (Decimal("121.80"), Decimal("0.00"))
    priced = ballot_env.settings.model_copy(update={"price_postage_letter": Decimal("1.10")})
    with ballot_env.read() as s:
        election = repository.election_by_slug(s, SLUG)
        dearer = costs.cost_report(s, priced, election, costs.Assumptions(posted=0))
    assert dearer.by_channel()["post"] == (Decimal("0.00"), Decimal("0.00"))


def test_a_channel_the_ballot_does_not_take_has_no_line(ballot_env: BallotEnv) -> None:
    ballot_env.make_election(SLUG, tokens=4, open_=False, channels=["web", "postal"])
    got = report(ballot_env)
    assert got.members == 4  # no register yet: the tokens issued
    assert {line.channel for line in got.lines} == {"print", "post", "web"}


def test_bad_assumptions_are_refused_by_name(ballot_env: BallotEnv) -> None:
    with_register(ballot_env)
    with pytest.raises(InputError, match="--turnout is a share between 0 and 1"):
        report(ballot_env, turnout=1.5)
    with pytest.raises(InputError, match="--papers cannot be negative"):
        report(ballot_env, papers=-1)
    done = run_cli(
        ballot_env, "election", "costs", SLUG, "--sms-share", "0.8", "--phone-share", "0.5"
    )
    assert done.returncode == 2 and "add up to more than 1" in done.stderr


def test_the_cost_so_far_counts_prints_posts_texts_and_calls(
    ballot_env: BallotEnv, app: TestClient
) -> None:
    _slug, tokens = ballot_env.make_election(SLUG, tokens=6)  # open
    with ballot_env.session() as s:
        election = repository.election_by_slug(s, SLUG)
        registers.import_register(s, election, read_register(REGISTER, "Branch"))
        print_runs.record_run(s, ballot_env.ctx, election, 6, reserve=False)
        member = registry.find_member(s, election, "7")
        handout = registry.Handout(how="post", by="Office", on=date(2027, 1, 11))
        registry.record_issue(s, ballot_env.ctx, election, member, handout)
    reply = send(app, f"{tokens[0].grouped} 1 2", auth_token=AUTH)
    assert reply.status == 200
    sent_back = len(reply.messages)
    help_reply = send(app, "HELP", auth_token=AUTH)
    url = "http://testserver/phone/status"
    for seconds in ("59", "61", "180"):
        params = {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "CallDuration": seconds}
        done = app.post(url, data=params, headers={SIGNATURE_HEADER: sign(AUTH, url, params)})
        assert done.status_code == 204
    forged = app.post(url, data={"CallStatus": "completed", "CallDuration": "600"})
    assert forged.status_code == 403  # unsigned: not counted
    got = report(ballot_env)
    so_far = {line.item: (line.so_far, line.so_far_cost) for line in got.lines}
    assert so_far["ballot cards"] == (6, Decimal("0.36"))
    assert so_far["letters posted to members"] == (1, Decimal("0.87"))
    assert so_far["SMS segments"][0] == 2 + sent_back + len(help_reply.messages)
    assert so_far["call minutes"] == (1 + 2 + 3, Decimal("0.09"))
    with ballot_env.read() as s:
        assert repository_admin.usage(s, SLUG)[costs.CALLS] == 3
    columns = {c["name"] for c in inspect(ballot_env.engine).get_columns("usage_counter")}
    assert columns == {"scope", "kind", "count"}  # no number, no token, no time
    shown = run_cli(ballot_env, "election", "costs", SLUG)
    assert shown.returncode == 0, shown.stderr
    assert "Costs of test-2027 for 100 member(s), in GBP" in shown.stdout
    assert "By channel (forecast / so far): print" in shown.stdout


def test_a_voting_text_is_counted_with_its_vote_against_the_ballot_it_voted_in(
    ballot_env: BallotEnv, app: TestClient
) -> None:
    """Two ballots open on SMS at once: each vote's text and receipt are counted against its
    own ballot (in the vote's transaction), a retry of the same message costs nothing more,
    and a text that votes nowhere stays unattributed."""
    _a, first = ballot_env.make_election(SLUG, channels=["web", "sms"], tokens=2)
    _b, second = ballot_env.make_election("other-2027", channels=["web", "sms"], tokens=2)
    voted = send(app, f"{first[0].grouped} 1 2", auth_token=AUTH, message_sid="SM" + "a" * 32)
    again = send(app, f"{first[0].grouped} 1 2", auth_token=AUTH, message_sid="SM" + "a" * 32)
    assert again.messages == voted.messages  # Twilio's retry: the same receipt
    other = send(app, f"{second[1].grouped} 2 1", auth_token=AUTH)
    used = send(app, f"{first[0].grouped} 2 1", auth_token=AUTH)  # spent: no vote
    with ballot_env.read() as s:
        assert repository_admin.usage(s, SLUG) == {
            costs.SMS_IN: 1,
            costs.SMS_OUT: len(voted.messages),
        }
        assert repository_admin.usage(s, "other-2027") == {
            costs.SMS_IN: 1,
            costs.SMS_OUT: len(other.messages),
        }
        assert repository_admin.usage(s, costs.UNATTRIBUTED) == {
            costs.SMS_IN: 1,
            costs.SMS_OUT: len(used.messages),
        }
