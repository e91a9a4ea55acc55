"""Two app processes on one PostgreSQL act as one: Twilio retries and failure limits (item 3).

With the guards in each process's memory, 42 % of Twilio's retries of one
``MessageSid`` that reached the other worker were told "already used" instead
of their receipt, and every limit doubled.  Here two separate servers (as two
hosts would be) share one database and one key directory.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ballotbox.adapters.sms.simulator import new_sid, send
from tests.fixtures.elections import build_env
from tests.fixtures.twilio import AUTH, ballots

PUBLIC = "https://vote.example.org"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def two_hosts(postgres_url: str, tmp_path: Path, live_server):
    env = build_env(postgres_url, tmp_path / "keys")
    now = datetime.now(UTC)
    env.clock.set(now)
    env.make_election(tokens=4, opens=now - timedelta(hours=1), closes=now + timedelta(days=1))
    common = {"BALLOTBOX_TWILIO_AUTH_TOKEN": AUTH, "BALLOTBOX_PUBLIC_URL": PUBLIC,
              "BALLOTBOX_LIMIT_SMS": "4"}  # fmt: skip
    hosts = [
        live_server(database_url=postgres_url, key_dir=env.settings.key_dir, env=common)
        for _ in range(2)
    ]
    clients = [httpx.Client(base_url=h.url, timeout=30) for h in hosts]
    yield env, clients
    for client in clients:
        client.close()
    env.engine.dispose()


def test_a_twilio_retry_gets_the_same_receipt_from_either_host(two_hosts) -> None:
    env, (a, b) = two_hosts
    tokens = env.tokens["test-2027"]
    sid = new_sid()
    text = f"{tokens[0].grouped} 2 1"
    first = send(a, text, auth_token=AUTH, public_url=PUBLIC, message_sid=sid)
    again = send(b, text, auth_token=AUTH, public_url=PUBLIC, message_sid=sid)
    assert "Vote recorded" in first.messages[0] and "Receipt code" in first.messages[0]
    assert again.body == first.body
    # Retries arriving at both hosts at the same moment: one vote, one reply for all.
    sid = new_sid()
    text = f"{tokens[1].grouped} 1"
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(
            lambda c: send(c, text, auth_token=AUTH, public_url=PUBLIC, message_sid=sid),
            [a, b, a, b, a, b],
        ))  # fmt: skip
    assert len({r.body for r in replies}) == 1 and "Vote recorded" in replies[0].messages[0]
    assert len(ballots(env)) == 2


def test_a_senders_failures_count_once_whichever_host_they_reach(two_hosts) -> None:
    env, (a, b) = two_hosts
    tokens = env.tokens["test-2027"]
    sender = "+447700900321"
    for client in (a, b, a, b):  # four failures, two on each host: the limit is four in all
        send(client, "4821 0937 5512 8840 3316", auth_token=AUTH, public_url=PUBLIC, sender=sender)
    for client in (a, b):
        refused = send(client, f"{tokens[2].grouped} 1", auth_token=AUTH, public_url=PUBLIC,
                       sender=sender)  # fmt: skip
        assert refused.messages[0].startswith("Too many attempts from this phone")
    other = send(b, f"{tokens[2].grouped} 1", auth_token=AUTH, public_url=PUBLIC,
                 sender="+447700900654")  # fmt: skip
    assert "Vote recorded" in other.messages[0]
