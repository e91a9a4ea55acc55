"""SIGKILL while casting: every acknowledged vote is on disk, exactly once, on both databases.

A live server (2 workers on PostgreSQL, 1 on SQLite, as deployed) takes casts
16 at a time through the JSON API; mid-stream its whole process group gets
SIGKILL (no shutdown, no flush).  It is restarted on the same database three
times.  Afterwards every cast that was answered 201 is in the ballot table
with the choices it was acknowledged with, its token is spent and refuses a
second vote, and the chain holds one ballot entry per stored ballot.  Casts
whose answer was lost with the server may or may not have counted; none
counted twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from ballotbox.core.tokens.format import Token
from ballotbox.storage.models import Ballot, BallotToken, ChainHead, LogEntry, TokenState
from tests.fixtures.elections import BallotEnv

KILLS = 3
TOKENS = 600


async def cast_until_killed(
    url: str, tokens: list[Token], acknowledged: dict[str, list[int]], kill: threading.Event
) -> None:
    """Cast ``tokens`` 16 at a time; record each 201; stop when the server is gone."""
    queue = list(reversed(tokens))
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker() -> None:
            while queue:
                token = queue.pop()
                choices = [1 + len(queue) % 4, 1 + (len(queue) + 1) % 4]
                try:
                    response = await client.post(
                        url, json={"token": token.digits, "choices": choices}
                    )
                except httpx.HTTPError:
                    return  # killed: this answer is lost, and so are the queued casts
                if response.status_code == 201:
                    acknowledged[token.digits] = choices
                    if len(acknowledged) % 40 == 0:
                        kill.set()

        await asyncio.gather(*(worker() for _ in range(16)))


@pytest.mark.slow
def test_sigkill_mid_cast_loses_no_acknowledged_vote(
    ballot_env: BallotEnv, live_server, database_url: str
) -> None:
    now = datetime.now(UTC)
    ballot_env.clock.set(now)  # the server runs on the real clock
    slug, tokens = ballot_env.make_election(
        tokens=TOKENS, opens=now - timedelta(hours=1), closes=now + timedelta(days=1)
    )
    workers = 1 if database_url.startswith("sqlite") else 2
    acknowledged: dict[str, list[int]] = {}
    remaining = list(tokens)
    for _round in range(KILLS):
        server = live_server(
            database_url=database_url, key_dir=ballot_env.settings.key_dir, workers=workers
        )
        kill = threading.Event()

        def killer(server=server, kill=kill) -> None:
            kill.wait(60)
            os.killpg(server.process.pid, signal.SIGKILL)  # no shutdown, no flush

        url = f"{server.url}/api/v1/elections/{slug}/ballots"
        before = len(acknowledged)
        with ThreadPoolExecutor(2) as pool:
            killed = pool.submit(killer)
            pool.submit(asyncio.run, cast_until_killed(url, remaining, acknowledged, kill)).result()
            kill.set()
            killed.result()
        server.process.wait(10)
        assert len(acknowledged) > before, server.output()
        remaining = [t for t in remaining if t.digits not in acknowledged]

    # A last server on the same database: every acknowledged vote refuses a second one.
    server = live_server(
        database_url=database_url, key_dir=ballot_env.settings.key_dir, workers=workers
    )
    again = httpx.post(
        f"{server.url}/api/v1/elections/{slug}/ballots",
        json={"token": next(iter(acknowledged)), "choices": [1]},
        timeout=30,
    )
    assert again.status_code == 409, again.text

    with ballot_env.read() as s:
        stored = {b.token: json.loads(b.choices) for b in s.exec(select(Ballot)).all()}
        for digits, choices in acknowledged.items():
            assert stored.get(digits) == choices, f"acknowledged vote {digits[:4]}… lost"
        voted = s.exec(
            select(func.count())
            .select_from(BallotToken)
            .where(BallotToken.state == TokenState.VOTED)
        ).one()
        assert voted == len(stored)
        head = s.exec(select(ChainHead)).one()
        entries = s.exec(
            select(func.count()).select_from(LogEntry).where(LogEntry.kind == "ballot")
        ).one()
        assert head.ballots == entries == len(stored)
        assert s.exec(select(func.count()).select_from(LogEntry)).one() == head.length
