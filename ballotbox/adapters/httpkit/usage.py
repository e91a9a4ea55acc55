"""Counting metered use (SMS segments, call minutes) for the cost report, apart from the request.

The count is committed in a transaction of its own, after the answer is made:
the SMS route's session only reads (the batcher commits the vote), and a
failed count is logged, never turned into a failed text or call.  What is
counted is a bare total per ballot (:mod:`ballotbox.services.costs`): no
number, no token, no time.
"""

from __future__ import annotations

import logging

from fastapi import Request

from ballotbox.services import Context, costs
from ballotbox.storage.db import transaction

log = logging.getLogger("ballotbox.http")


def count_metered(request: Request, ctx: Context, channel: str, amounts: dict[str, int]) -> None:
    """Add ``amounts`` (kind → count) to the usage of the one ballot open on ``channel``."""
    try:
        with transaction(request.app.state.engine) as session:
            scope = costs.metered_scope(session, ctx, channel)
            for kind, amount in amounts.items():
                costs.count_usage(session, scope, kind, amount)
    except Exception as exc:  # noqa: BLE001 - a counter must never fail a vote or a call
        log.warning("could not count %s usage (%s)", channel, type(exc).__name__)


def count_call(request: Request, ctx: Context, seconds: int) -> None:
    """Count one finished call of ``seconds`` for the ballot open on the phone line."""
    try:
        with transaction(request.app.state.engine) as session:
            costs.count_call(session, costs.metered_scope(session, ctx, "phone"), seconds)
    except Exception as exc:  # noqa: BLE001 - a counter must never fail a call
        log.warning("could not count a call (%s)", type(exc).__name__)
