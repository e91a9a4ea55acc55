"""Metered use is counted like casts are committed: many texts' counts in one transaction.

Every text adds to one counter row; a burst of texts must neither lose a count
nor give each text a transaction (and a wait for that row's lock) of its own.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

from sqlalchemy import event

from ballotbox.adapters.httpkit.usage import count_metered
from ballotbox.services import costs
from ballotbox.storage import repository_admin
from tests.fixtures.elections import BallotEnv


def test_a_burst_of_counts_is_all_written_in_fewer_transactions(ballot_env: BallotEnv) -> None:
    slug, _tokens = ballot_env.make_election("usage-2027", channels=["web", "sms"])
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(engine=ballot_env.engine)))
    commits = 0

    def committed(_conn: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(ballot_env.engine, "commit", committed)
    texts = 40
    barrier = threading.Barrier(texts)

    def text() -> None:
        barrier.wait()
        count_metered(request, ballot_env.ctx, "sms", {costs.SMS_IN: 1, costs.SMS_OUT: 2})  # type: ignore[arg-type]

    threads = [threading.Thread(target=text) for _ in range(texts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    event.remove(ballot_env.engine, "commit", committed)
    with ballot_env.read() as s:
        usage = repository_admin.usage(s, slug)
    assert usage[costs.SMS_IN] == texts and usage[costs.SMS_OUT] == 2 * texts  # none lost
    assert 1 <= commits < texts  # grouped
    count_metered(request, ballot_env.ctx, "sms", {costs.SMS_IN: 1})  # type: ignore[arg-type]
    with ballot_env.read() as s:  # a lone text is written before its answer goes out
        assert repository_admin.usage(s, slug)[costs.SMS_IN] == texts + 1
