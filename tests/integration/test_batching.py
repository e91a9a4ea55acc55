"""Group commit: a batch of casts shares one transaction but each keeps its own outcome."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import event, func, text
from sqlmodel import Session, select

from ballotbox.core.errors import (
    BallotboxError,
    ChoiceError,
    ElectionNotOpenError,
    RateLimitedError,
    UnknownTokenError,
)
from ballotbox.core.i18n import N_, using
from ballotbox.core.tokens.format import Token
from ballotbox.definition import ElectionDefinition
from ballotbox.services.batching import AnsweredBefore, CastBatcher, NotRecordedError
from ballotbox.services.casting import CastReceipt, CastRequest, cast_many
from ballotbox.services.guards import Guard
from ballotbox.storage import ledger, rawsql
from ballotbox.storage.models import Ballot, BallotToken
from tests.fixtures.elections import CLOSES, BallotEnv


def test_concurrent_casts_each_get_their_own_answer(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=40)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx)
    jobs: list[tuple[Token | str, list[int]]] = [(t, [1, 2]) for t in tokens]  # 40 good ballots
    jobs += [(tokens[0], [2])] * 5  # the same token again
    jobs += [(tokens[1], [9])]  # no candidate 9 (and token 1 is used anyway)
    jobs += [("0" * 18 + "98", [1])]  # never issued
    results: list[CastReceipt | BallotboxError | None] = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i: int) -> None:
        token, choices = jobs[i]
        barrier.wait()
        try:
            results[i] = batcher.submit(token, choices, "web")
        except BallotboxError as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.stop()
    receipts = [r for r in results if isinstance(r, CastReceipt)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(receipts) + len(errors) == len(jobs)
    assert len({r.receipt["body"]["token_hash"] for r in receipts}) == len(receipts)
    assert len(receipts) == 40
    kinds = sorted(type(e).__name__ for e in errors)
    assert kinds.count("TokenUsedError") + kinds.count("ChoiceError") == 6
    assert kinds.count("UnknownTokenError") == 1
    assert isinstance(results[-1], UnknownTokenError)
    assert batcher.batches < batcher.casts  # casts really were grouped
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 40
    positions = sorted(r.receipt["body"]["position"] for r in receipts)
    assert positions == list(range(positions[0], positions[0] + 40))  # one unbroken chain


def test_a_failed_commit_acknowledges_nothing(
    ballot_env: BallotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx)
    import ballotbox.services.batching as batching
    from ballotbox.storage.db import transaction as real

    class Boom(Exception):
        pass

    def failing_transaction(engine, **kw):
        from contextlib import contextmanager

        @contextmanager
        def wrapper():
            with real(engine, **kw) as s:
                yield s
                raise Boom("disk full")  # after the casts ran, before the commit

        return wrapper()

    monkeypatch.setattr(batching, "transaction", failing_transaction)
    with pytest.raises(NotRecordedError):
        batcher.submit(tokens[0], [1], "web")
    batcher.stop()
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 0


def test_a_source_over_its_limit_is_refused_before_its_token_is_looked_up(
    ballot_env: BallotEnv,
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=3)
    settings = ballot_env.settings.model_copy(update={"limit_web": 2})
    guard = Guard.from_settings(settings, ballot_env.ctx, ballot_env.engine)
    for _ in range(2):
        with ballot_env.session() as s:
            guard.failed(s, "web", "192.0.2.1", unknown_token=False)
    reads: list[Session | None] = []
    counts = guard.store.counts

    def counted(
        keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, int]:
        reads.append(session)
        return counts(keys, now, session)

    guard.store.counts = counted  # type: ignore[method-assign]
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx, guard=guard)
    with pytest.raises(RateLimitedError):  # a valid token, but its source used up its failures
        batcher.submit(tokens[0], [1], "web", source=("web", "192.0.2.1"))
    accepted = batcher.submit(tokens[1], [1], "web", source=("web", "192.0.2.2"))
    batcher.stop()
    assert list(accepted.ballot.values()) == [[1]]
    assert len(reads) == 2  # one read of the limits per batch, none per failure or success
    assert None not in reads  # each in its batch's own transaction: no connection more
    assert guard.failures("web", "192.0.2.2") == 0  # a valid token cost its source nothing
    with ballot_env.read() as s:
        states = {r.token_hash: r.state for r in s.exec(select(BallotToken)).all()}
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 1
    assert sorted(states.values()) == ["unused", "unused", "voted"]  # the refused token unspent


def test_a_cast_checked_against_its_source_needs_a_guard(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx)
    with pytest.raises(ValueError, match="guard"):
        batcher.submit(tokens[0], [1], "web", source=("web", "192.0.2.1"))
    batcher.stop()


def test_a_batch_is_written_by_the_same_statements_whatever_its_size(
    ballot_env: BallotEnv,
) -> None:
    """On PostgreSQL one statement whose text never changes (compiled and prepared once)."""
    _slug, tokens = ballot_env.make_election(tokens=9)
    written: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "INSERT INTO" in statement or statement.lstrip().startswith(("UPDATE", "WITH")):
            written.append(" ".join(statement.split()))

    event.listen(ballot_env.engine, "before_cursor_execute", seen)
    try:
        for size, start in ((1, 0), (3, 1), (5, 4)):
            with ballot_env.session() as s:
                requests = [CastRequest(t, [1], "web") for t in tokens[start : start + size]]
                outcomes = cast_many(s, ballot_env.ctx, requests)
                assert all(isinstance(o, CastReceipt) for o in outcomes)
    finally:
        event.remove(ballot_env.engine, "before_cursor_execute", seen)
    if ballot_env.engine.dialect.name == "postgresql":
        assert len(written) == 3 and len(set(written)) == 1  # one statement, one text
        assert "json_array_elements" in written[0]  # the rows go in as JSON, not in the text
    else:
        assert len(written) == 3 * 4  # ballots, tokens, log, head
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 9


@pytest.mark.parametrize(  # the one-statement append is PostgreSQL's (SQLite writes four)
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_the_postgresql_append_finds_its_tokens_by_their_key(ballot_env: BallotEnv) -> None:
    """The batch's one statement reaches the voters' token rows through the primary key: a
    plan that scans the token table would cost every cast in proportion to the register."""
    ballot_env.make_election(tokens=3000)
    rows = json.dumps([["00" * 32, "0" * 20, "web", "[1]"]])
    entries = json.dumps([[0, "ballot", "{}", "00" * 32]])
    params = {"election_id": 0, "ballots": rows, "entries": entries, "voted": "voted"}
    params |= {"length": 0, "head": b"", "count": 0}
    with ballot_env.session() as s:
        s.execute(text("ANALYZE ballot_token"))
        explained = rawsql.execute(s, "EXPLAIN " + ledger.APPEND_PG, params)
        plan = "\n".join(row[0] for row in explained.fetchall())
        s.rollback()
    assert "ballot_token_pkey" in plan
    assert "Seq Scan on ballot_token" not in plan


def test_a_cast_whose_caller_gave_up_does_not_stop_its_batch(
    ballot_env: BallotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slug, tokens = ballot_env.make_election(tokens=2)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx)
    monkeypatch.setattr(batcher, "start", lambda: None)  # queue both before the thread runs
    abandoned = batcher.enqueue(tokens[0], [1], "web")
    waited = batcher.enqueue(tokens[1], [2], "web")
    assert abandoned.cancel()
    monkeypatch.undo()
    batcher.start()
    assert isinstance(waited.result(timeout=60), CastReceipt)  # the batch went on
    batcher.stop()


def test_a_lone_cast_is_not_held_back_for_company(ballot_env: BallotEnv) -> None:
    """The linger is only for bursts: a cast that comes alone starts its batch at once."""
    _slug, tokens = ballot_env.make_election(tokens=2)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx, linger=30.0, busy_window=0.05)
    for token in tokens:
        started = time.monotonic()
        assert isinstance(batcher.submit(token, [1], "web"), CastReceipt)
        assert time.monotonic() - started < 10.0  # nowhere near the 30 s linger
        time.sleep(0.2)  # well past the busy window: the next one is alone again
    batcher.stop()
    assert batcher.batches == 2


def test_one_caster_sending_casts_one_after_another_never_waits(ballot_env: BallotEnv) -> None:
    """A teller keying letters, or a script, casts one at a time, each just after the last:
    no batch has company, so none lingers for any."""
    _slug, tokens = ballot_env.make_election(tokens=4)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx, linger=30.0, busy_window=60.0)
    started = time.monotonic()
    for token in tokens:
        assert isinstance(batcher.submit(token, [1], "web"), CastReceipt)
    assert time.monotonic() - started < 20.0  # not one 30 s linger
    batcher.stop()
    assert batcher.batches == 4


def test_under_load_a_batch_waits_briefly_for_the_casts_still_coming(
    ballot_env: BallotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """During a burst (the last batch had company), casts arriving one after another share a
    batch (one transaction) instead of taking one each; the wait ends once the batch is full."""
    _slug, tokens = ballot_env.make_election(tokens=5)
    batcher = CastBatcher(
        ballot_env.engine, ballot_env.ctx, max_batch=3, linger=30.0, busy_window=60.0
    )
    monkeypatch.setattr(batcher, "start", lambda: None)  # queue two before the thread runs
    pair = [batcher.enqueue(token, [1], "web") for token in tokens[:2]]
    monkeypatch.undo()
    batcher.start()
    assert all(isinstance(f.result(timeout=60), CastReceipt) for f in pair)  # one batch of two
    started = time.monotonic()
    futures = []
    for token in tokens[2:]:
        futures.append(batcher.enqueue(token, [2], "web"))
        time.sleep(0.05)  # each arrives after the one before could have been committed alone
    assert all(isinstance(f.result(timeout=60), CastReceipt) for f in futures)
    assert time.monotonic() - started < 20.0  # full at three: it did not wait out the linger
    batcher.stop()
    assert batcher.batches == 2


def test_choices_read_from_the_ballot_in_the_batch_refuse_only_their_own_cast(
    ballot_env: BallotEnv,
) -> None:
    """A channel whose words mean something only on the token's ballot (a text) hands in a
    reader; the batch calls it with the definition.  A reader that fails other than with a
    domain error refuses its own ballot only: the batch and its other casts go on."""
    _slug, tokens = ballot_env.make_election(tokens=3)
    read_against: list[str] = []

    def reader(definition: ElectionDefinition) -> list[int]:
        read_against.append(definition.slug)
        return [2, 1]

    def broken(_definition: ElectionDefinition) -> list[int]:
        raise KeyError("a bug in a channel's reading")

    def refusing(_definition: ElectionDefinition) -> list[int]:
        raise ChoiceError(N_("Your ballot is blank: make a choice in at least one contest."))

    with ballot_env.session() as s:
        requests = [
            CastRequest(tokens[0], reader, "sms"),
            CastRequest(tokens[1], broken, "sms"),
            CastRequest(tokens[2], refusing, "sms"),
        ]
        good, failed, refused = cast_many(s, ballot_env.ctx, requests)
    assert isinstance(good, CastReceipt) and good.ballot == {"A": [2, 1]}
    assert read_against == ["test-2027"]
    assert isinstance(failed, ChoiceError) and failed.message == "Your choices could not be read."
    assert isinstance(refused, ChoiceError) and "blank" in refused.message
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 1
        spent = s.exec(select(BallotToken).where(BallotToken.state == "voted")).all()
        assert len(spent) == 1


def test_a_refusal_from_the_batch_is_worded_in_the_language_it_is_read_in(
    ballot_env: BallotEnv,
) -> None:
    """The batcher's thread raises "voting closed on ..."; the member's request reads the
    message, in its own language: the date's words are chosen then, not in that thread."""
    _slug, tokens = ballot_env.make_election(tokens=1)
    ballot_env.clock.set(CLOSES + timedelta(minutes=1))
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx)
    try:
        with pytest.raises(ElectionNotOpenError) as raised:
            batcher.submit(tokens[0], [1], "web")
    finally:
        batcher.stop()
    assert "31 January 2027" in raised.value.message
    with using("cy"):
        assert "31 Ionawr 2027" in raised.value.message


def test_a_message_answered_before_gets_its_kept_reply_and_casts_nothing(
    ballot_env: BallotEnv,
) -> None:
    """Twilio retries a text it had no answer to: the batch reads the replies kept for its
    messages first (one read for all of them), answers a retry with the first delivery's
    reply, before any limit, and casts nothing for it; a new message is cast."""
    _slug, tokens = ballot_env.make_election(tokens=2)
    settings = ballot_env.settings.model_copy(update={"limit_sms": 1})
    guard = Guard.from_settings(settings, ballot_env.ctx, ballot_env.engine)
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx, guard=guard)
    sender = ("sms", "+447700900123")
    try:

        def keep(session: Session, receipt: CastReceipt) -> None:
            guard.remember(session, "SM1", "first text", f"Vote recorded: {receipt.code}")

        first = batcher.submit(tokens[0], [1], "sms", also=keep, retry_of=("SM1", "first text"))
        with ballot_env.session() as s:  # the sender has used up its failures meanwhile
            guard.failed(s, "sms", sender[1], unknown_token=False)
        with pytest.raises(AnsweredBefore) as again:
            batcher.submit(tokens[1], [2], "sms", source=sender, retry_of=("SM1", "first text"))
        assert again.value.reply == f"Vote recorded: {first.code}"
        with pytest.raises(RateLimitedError):  # the same SID with another text is not a retry
            batcher.submit(tokens[1], [2], "sms", source=sender, retry_of=("SM1", "other text"))
        fresh = batcher.submit(tokens[1], [2], "sms", retry_of=("SM2", "second text"))
    finally:
        batcher.stop()
    assert list(fresh.ballot.values()) == [[2]]
    with ballot_env.read() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == 2


def test_a_message_to_answer_from_kept_replies_needs_a_guard(ballot_env: BallotEnv) -> None:
    batcher = CastBatcher(ballot_env.engine, ballot_env.ctx)
    with pytest.raises(ValueError, match="needs a batcher with a guard"):
        batcher.enqueue("0" * 20, [1], "sms", retry_of=("SM1", "text"))
