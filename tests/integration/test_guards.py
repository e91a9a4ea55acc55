"""The shared guards on SQLite and PostgreSQL, in the database and in memory (issue 15, items 2-3).

Failures are limited per source and age out; a flood alerts, slows unknown
tokens and refuses nobody; Twilio's retry replies are kept, sealed, for the
next request with the same SID; what the tables hold is keyed hashes that
expire.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from ballotbox.core.errors import RateLimitedError
from ballotbox.services.guards import Guard
from tests.fixtures.elections import BallotEnv

NUMBER = "+447700900123"


def make_guard(env: BallotEnv, state: str, **limits: object) -> Guard:
    settings = env.settings.model_copy(update={"guard_state": state, **limits})
    return Guard.from_settings(settings, env.ctx, env.engine)


@pytest.fixture(params=["database", "memory"])
def state(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def fail(env: BallotEnv, guard: Guard, kind: str, source: str, *, unknown: bool = False) -> float:
    with env.session() as s:
        return guard.failed(s, kind, source, unknown_token=unknown)


def test_a_source_is_stopped_after_its_failures_and_let_back_later(
    ballot_env: BallotEnv, state: str
) -> None:
    guard = make_guard(ballot_env, state, limit_sms=3, limit_window_minutes=15)
    for _ in range(3):
        guard.check("sms", NUMBER)
        fail(ballot_env, guard, "sms", NUMBER)
    with pytest.raises(RateLimitedError):
        guard.check("sms", NUMBER)
    guard.check("sms", "+447700900999")  # another sender is not affected
    guard.check("phone", NUMBER)  # nor the same number on another channel
    ballot_env.clock.advance(timedelta(minutes=20))  # the old window still weighs in, less
    assert 0 < guard.failures("sms", NUMBER) < 3
    guard.check("sms", NUMBER)
    ballot_env.clock.advance(timedelta(minutes=31))
    assert guard.failures("sms", NUMBER) == 0
    guard.check("sms", NUMBER)


def test_a_flood_alerts_once_slows_unknown_tokens_and_refuses_nobody(
    ballot_env: BallotEnv, state: str, caplog: pytest.LogCaptureFixture
) -> None:
    guard = make_guard(ballot_env, state, flood_alert=5, flood_delay_seconds=0.5)
    with caplog.at_level(logging.WARNING, logger="ballotbox.guards"):
        delays = [fail(ballot_env, guard, "sms", f"+4477009{i:05d}", unknown=True)
                  for i in range(12)]  # fmt: skip
    assert delays == [0.0] * 4 + [0.5] * 8
    alerts = [r.getMessage() for r in caplog.records if "ALERT" in r.getMessage()]
    assert len(alerts) == 1 and "+44" not in caplog.text
    assert guard.flood() == {"web": 0, "sms": 12, "phone": 0}
    guard.check("sms", "+447700911111")  # a fresh sender is served as ever
    assert fail(ballot_env, guard, "sms", "+447700911111") == 0.0  # a spent token: no delay


def test_what_is_stored_is_keyed_hashes_that_expire(ballot_env: BallotEnv) -> None:
    guard = make_guard(ballot_env, "database")
    fail(ballot_env, guard, "sms", NUMBER, unknown=True)
    fail(ballot_env, guard, "web", "203.0.113.7")
    with ballot_env.session() as s:
        guard.remember(s, "SM" + "ab" * 16, "4821 0937 5512 8840 3316 1", "Vote recorded")
    with ballot_env.engine.connect() as conn:
        rows = [tuple(r) for t in ("guard_count", "guard_reply")
                for r in conn.execute(text(f"SELECT * FROM {t}")).all()]  # noqa: S608  # fmt: skip
    assert len(rows) == 4  # the sender, the address, the sms flood count, one reply
    dump = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode()
                    for row in rows for v in row)  # fmt: skip
    for needle in (b"447700900123", b"203.0.113.7", b"ab" * 16, b"Vote recorded", b"4821"):
        assert needle not in dump
    ballot_env.clock.advance(timedelta(minutes=31))
    with ballot_env.session() as s:
        assert guard.prune(s) == 4
    with ballot_env.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM guard_count")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM guard_reply")).scalar_one() == 0


def test_the_keyed_hash_of_a_source_changes_every_window(ballot_env: BallotEnv) -> None:
    guard = make_guard(ballot_env, "database")
    fail(ballot_env, guard, "sms", NUMBER)
    ballot_env.clock.advance(timedelta(minutes=15))
    fail(ballot_env, guard, "sms", NUMBER)
    with ballot_env.engine.connect() as conn:
        counts = conn.execute(text("SELECT count FROM guard_count")).scalars().all()
    assert counts == [1, 1]  # two unrelated keys: nothing links the windows


def test_a_reply_is_remembered_exactly_when_its_transaction_commits(
    ballot_env: BallotEnv, state: str
) -> None:
    guard = make_guard(ballot_env, state)
    with ballot_env.session() as s:
        guard.remember(s, "SM1", "body", "Vote recorded")
        assert guard.recall("SM1", "body") is None  # not before the vote it reports commits
    assert guard.recall("SM1", "body") == "Vote recorded"
    assert guard.recall("SM1", "another body") is None  # sealed under the message's own text
    with ballot_env.session() as s:
        guard.remember(s, "SM1", "body", "already used")
    assert guard.recall("SM1", "body") == "Vote recorded"  # the first reply stays


def test_a_reply_whose_transaction_fails_is_not_remembered(
    ballot_env: BallotEnv, state: str
) -> None:
    guard = make_guard(ballot_env, state)
    with pytest.raises(RuntimeError), ballot_env.session() as s:
        guard.remember(s, "SM1", "body", "Vote recorded")
        raise RuntimeError("the batch's commit failed")
    assert guard.recall("SM1", "body") is None
    ballot_env.clock.advance(timedelta(minutes=16))
    with ballot_env.session() as s:
        guard.remember(s, "SM2", "body", "first")
    ballot_env.clock.advance(timedelta(minutes=16))  # expired: a new reply may take its place
    with ballot_env.session() as s:
        guard.remember(s, "SM2", "body", "second")
    assert guard.recall("SM2", "body") == "second"


def test_two_app_processes_share_one_guard(ballot_env: BallotEnv) -> None:
    first = make_guard(ballot_env, "database", limit_web=4)
    second = make_guard(ballot_env, "database", limit_web=4)  # another worker, same database
    for guard in (first, second, first, second):
        fail(ballot_env, guard, "web", "198.51.100.4")
    for guard in (first, second):
        with pytest.raises(RateLimitedError):
            guard.check("web", "198.51.100.4")
    with ballot_env.session() as s:
        first.remember(s, "SM9", "text", "receipt QX4M2A7P")
    assert second.recall("SM9", "text") == "receipt QX4M2A7P"
