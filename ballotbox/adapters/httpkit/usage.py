"""Counting metered use (SMS segments, call minutes) for the cost report, apart from the request.

A text that votes is not counted here: its cost is added in its vote's own
transaction (:func:`ballotbox.services.costs.count_on_commit`).  Everything
else (help, a ballot sent, a refusal, a check, a call) is counted as follows.

The count is committed in a transaction of its own, after the answer is made:
the SMS route's session only reads (the batcher commits the vote), and a
failed count is logged, never turned into a failed text or call.  What is
counted is a bare total per ballot (:mod:`ballotbox.services.costs`): no
number, no token, no time.

Every text adds to the same counter row, so counts are written like casts are:
a request that finds no write of counts under way in its process writes every
count waiting, its own included, in one transaction, and goes on until none is
left; a request that finds one under way leaves its count to it and answers
at once.  A lone text is therefore counted before its answer goes out, as
before; during a burst one transaction carries the counts of many texts,
instead of every text queueing for the counter row's lock and a commit of its own.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

from fastapi import Request
from sqlalchemy import Engine

from ballotbox.services import Context, costs
from ballotbox.storage.db import transaction

log = logging.getLogger("ballotbox.http")


class _Meter:
    """Counts waiting to be written for one app, and whether a request is writing them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting: Counter[tuple[str, str]] = Counter()
        self.writing = False

    def add(self, engine: Engine, ctx: Context, channel: str, amounts: dict[str, int]) -> None:
        """Add ``amounts`` for ``channel``; write what is waiting unless another request is."""
        with self.lock:
            self.waiting.update({(channel, kind): n for kind, n in amounts.items() if n > 0})
            if self.writing:
                return
            self.writing = True
        while True:
            with self.lock:
                batch, self.waiting = self.waiting, Counter()
                if not batch:
                    self.writing = False
                    return
            try:
                _write(engine, ctx, batch)
            except Exception as exc:  # noqa: BLE001 - a counter must never fail a vote or a call
                log.warning("could not count usage (%s)", type(exc).__name__)


def _write(engine: Engine, ctx: Context, batch: Counter[tuple[str, str]]) -> None:
    with transaction(engine) as session:
        scopes: dict[str, str] = {}
        for (channel, kind), amount in sorted(batch.items()):
            if channel not in scopes:
                scopes[channel] = costs.metered_scope(session, ctx, channel)
            costs.count_usage(session, scopes[channel], kind, amount)


def _meter(request: Request) -> _Meter:
    state = request.app.state
    meter: _Meter | None = getattr(state, "usage_meter", None)
    if meter is None:
        meter = state.usage_meter = _Meter()
    return meter


def count_metered(request: Request, ctx: Context, channel: str, amounts: dict[str, int]) -> None:
    """Add ``amounts`` (kind → count) to the usage of the one ballot open on ``channel``."""
    _meter(request).add(request.app.state.engine, ctx, channel, amounts)


def count_call(request: Request, ctx: Context, seconds: int) -> None:
    """Count one finished call of ``seconds`` for the ballot open on the phone line."""
    try:
        with transaction(request.app.state.engine) as session:
            costs.count_call(session, costs.metered_scope(session, ctx, "phone"), seconds)
    except Exception as exc:  # noqa: BLE001 - a counter must never fail a call
        log.warning("could not count a call (%s)", type(exc).__name__)
