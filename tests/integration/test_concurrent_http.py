"""100 concurrent POSTs of one token against a running server: exactly one vote counts."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from ballotbox.storage.models import Ballot
from tests.fixtures.elections import BallotEnv


async def hammer(url: str, payloads: list[dict[str, object]]) -> list[int]:
    limits = httpx.Limits(max_connections=len(payloads), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        responses = await asyncio.gather(*(client.post(url, json=p) for p in payloads))
    return [r.status_code for r in responses]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_one_token_posted_100_times_at_once_counts_once(
    ballot_env: BallotEnv,
    live_server,
    database_url: str,
    workers: int,
) -> None:
    now = datetime.now(UTC)
    ballot_env.clock.set(now)  # the server runs on the real clock
    slug, tokens = ballot_env.make_election(
        tokens=2, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    # One client posting a spent token 99 times is over its failure limit (tested elsewhere).
    server = live_server(
        database_url=database_url,
        key_dir=ballot_env.settings.key_dir,
        workers=workers,
        env={"BALLOTBOX_LIMIT_WEB": "1000"},
    )
    url = f"{server.url}/api/v1/elections/{slug}/ballots"
    payloads: list[dict[str, object]] = [
        {"token": tokens[0].grouped, "choices": [1 + i % 4, 1 + (i + 1) % 4]} for i in range(100)
    ]
    # In its own thread: the session's Playwright browser may own this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        statuses = pool.submit(asyncio.run, hammer(url, payloads)).result()
    assert sorted(statuses) == [201] + [409] * 99
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 1
