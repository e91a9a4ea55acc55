"""Group commit: a batch of casts shares one transaction but each keeps its own outcome."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlmodel import select

from ballotbox.core.errors import BallotboxError, UnknownTokenError
from ballotbox.core.tokens.format import Token
from ballotbox.services.batching import CastBatcher, NotRecordedError
from ballotbox.services.casting import CastReceipt
from ballotbox.storage.models import Ballot
from tests.fixtures.elections import BallotEnv


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
