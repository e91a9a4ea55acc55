"""Counting a closed ballot with the pure engine, every contest by its method, and storing it.

The mapping from the stored definition document and ballots to the engine is
:mod:`ballotbox.core.contests`, the same code the offline verifier recounts
with.  The stored result is one count (a ballot of one contest, exactly as
before contests existed) or every contest's with the number left blank.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ballotbox.core import contests
from ballotbox.core.audit.chain import canonical_json, document_hash
from ballotbox.core.counting import Result
from ballotbox.core.errors import LifecycleError
from ballotbox.core.i18n import N_
from ballotbox.services import continuity
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_document, definition_of, iso
from ballotbox.services.postal.reconcile import gate_tally
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.order import forget_order_after_commit, rewrite_in_key_order


@dataclass(frozen=True)
class Count:
    """A ballot's count: each contest's result by key (ballot order) and how many left it blank.

    On a ballot of one contest a Count also reads as that contest's
    :class:`Result` (``count.elected``, ``count.valid_poll`` …).
    """

    results: dict[str, Result]
    blank: dict[str, int]

    @property
    def single(self) -> bool:
        """True for a ballot of one contest."""
        return len(self.results) == 1

    def to_json(self) -> dict[str, Any]:
        """The result document as stored and published (result.json)."""
        return contests.result_document(self.results, self.blank)

    def __getattr__(self, name: str) -> Any:
        results = self.__dict__.get("results") or {}
        if len(results) == 1 and not name.startswith("_"):
            return getattr(next(iter(results.values())), name)
        raise AttributeError(name)


def recorded_ballots(session: Session, election: Election) -> list[dict[str, contests.Choices]]:
    """Every ballot as contest key → choices (blank: empty), sorted by token."""
    assert election.id is not None
    document = definition_document(election)
    return [
        contests.by_contest(document, json.loads(b.choices))
        for b in repository.ballots(session, election.id)
    ]


def tally(
    session: Session, ctx: Context, election: Election, *, override_pending: str | None = None
) -> Count:
    """Count a closed ballot (every contest), store the result and log its hash.

    Postal letters (and phone messages) still pending block the count
    (:class:`~ballotbox.services.postal.errors.PendingLettersError`) unless
    ``override_pending`` gives the returning officer's reason, which goes into
    the hash chain before the count.
    """
    if election.state not in {ElectionState.CLOSED, ElectionState.COUNTED}:
        raise LifecycleError(
            N_("“{slug}” is {state}: only a closed election can be counted. Close it first."),
            slug=election.slug,
            state=election.state,
        )
    assert election.id is not None
    gate_tally(session, ctx, election, override_pending)
    continuity.require_continuity(session, ctx, election)
    # Forget the order of voting again (late letters were keyed after the close):
    # PostgreSQL clusters in this transaction, SQLite vacuums once it commits.
    rewrite_in_key_order(session)
    forget_order_after_commit(session, postgresql=False)
    document = definition_document(election)
    ballots = recorded_ballots(session, election)
    results = contests.count_ballots(document, ballots, definition_of(election).tie_seed)
    blank = contests.blanks(document, ballots)
    stored = contests.result_document(results, blank)
    now = ctx.clock.now()
    election.result = canonical_json(stored).decode()
    election.state = ElectionState.COUNTED
    election.counted_at = now
    session.add(election)
    ledger.append(
        session,
        election.id,
        {"kind": "counted", "result_hash": document_hash(stored), "time": iso(now)},
    )
    return Count(results, blank)


def contest_results(election: Election) -> dict[str, dict[str, Any]]:
    """Contest key → that contest's stored result JSON (empty before the count)."""
    if not election.result:
        return {}
    return contests.contest_results(definition_document(election), json.loads(election.result))


def stored_count(election: Election) -> Count | None:
    """The stored count, if there is one."""
    if not election.result:
        return None
    stored = json.loads(election.result)
    document = definition_document(election)
    results = {
        key: Result.from_json(result)
        for key, result in contests.contest_results(document, stored).items()
    }
    blank = stored.get("blank", {key: 0 for key in results})
    return Count(results, blank)
