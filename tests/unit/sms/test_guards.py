"""The in-memory guards: failure limits per sender and overall, the retry cache, SMS splitting."""

from __future__ import annotations

import logging
import threading

import pytest

from ballotbox.adapters.httpkit.twilio import FailureLimiter, ReplyCache
from ballotbox.adapters.sms.replies import split_messages
from ballotbox.core.errors import RateLimitedError


class Tick:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sender_is_stopped_after_repeated_failures_and_let_back_after_the_window() -> None:
    tick = Tick()
    limiter = FailureLimiter("sms", per_source=3, window_s=60, monotonic=tick)
    for _ in range(3):
        limiter.check("+447700900123")
        limiter.record_failure("+447700900123", unknown_token=False)
    with pytest.raises(RateLimitedError):
        limiter.check("+447700900123")
    limiter.check("+447700900999")  # another sender is unaffected
    tick.now += 61
    limiter.check("+447700900123")


def test_a_flood_of_unknown_tokens_alerts_once_and_then_stops_everyone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tick = Tick()
    limiter = FailureLimiter("sms", per_source=100, global_alert=5, global_limit=10, monotonic=tick)
    with caplog.at_level(logging.WARNING, logger="ballotbox.twilio"):
        for i in range(10):
            limiter.record_failure(f"+4477009{i:05d}", unknown_token=True)
    alerts = [r for r in caplog.records if "ALERT" in r.getMessage()]
    assert len(alerts) == 1
    assert "+44" not in caplog.text  # never a number in the log
    with pytest.raises(RateLimitedError):
        limiter.check("+447700911111")


def test_the_limiter_holds_no_number_in_memory() -> None:
    limiter = FailureLimiter("sms")
    limiter.record_failure("+447700900123", unknown_token=True)
    assert all(isinstance(k, bytes) and b"447700900123" not in k for k in limiter._sources)


def test_a_retried_sid_gets_the_first_reply_and_concurrent_ones_wait() -> None:
    cache = ReplyCache()
    calls: list[int] = []
    gate = threading.Event()

    def slow() -> str:
        calls.append(1)
        gate.wait(5)
        return "first reply"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.reply_once("SM1", slow)))
               for _ in range(3)]  # fmt: skip
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert results == ["first reply"] * 3 and len(calls) == 1
    assert cache.reply_once("SM2", lambda: "other") == "other"
    # Nothing in the cache reads as the reply without the SID.
    assert all(b"first reply" not in (e.sealed or b"") for e in cache._entries.values())


def test_a_failed_computation_is_not_remembered() -> None:
    cache = ReplyCache()

    def boom() -> str:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        cache.reply_once("SM1", boom)
    assert cache.reply_once("SM1", lambda: "ok") == "ok"


def test_replies_are_split_into_numbered_single_segment_messages() -> None:
    assert split_messages(["short", "reply"]) == ["short reply"]
    lines = [f"{n} Candidate Number {n}," for n in range(1, 13)] + ["Reply with your token."]
    messages = split_messages(lines)
    assert len(messages) > 1 and all(len(m) <= 160 for m in messages)
    assert [m.split(" ")[0] for m in messages] == [
        f"{i}/{len(messages)}" for i in range(1, len(messages) + 1)
    ]
    assert "12 Candidate Number 12," in " ".join(messages)  # no candidate cut in two
    unicode = split_messages(["Zoë Ørsted", "Łukasz " * 20])
    assert all(len(m) <= 70 for m in unicode)
    assert split_messages(["“quoted” — dash"]) == ['"quoted" - dash']
