"""Counting a closed election with the pure engine, and storing the result."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from fractions import Fraction

from sqlmodel import Session

from ballotbox.core.audit.chain import canonical_json, document_hash
from ballotbox.core.counting import CountInput, CountOptions, Result, count
from ballotbox.core.errors import LifecycleError
from ballotbox.core.i18n import N_
from ballotbox.definition import ElectionDefinition
from ballotbox.services import continuity
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_of, iso
from ballotbox.services.postal.reconcile import gate_tally
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.order import forget_order_after_commit, rewrite_in_key_order


def count_input(definition: ElectionDefinition, ballots: Iterable[list[int]]) -> CountInput:
    """The engine's input: candidates in card-number order, identical ballots grouped."""
    index = {c.number: i for i, c in enumerate(definition.candidates)}
    grouped = Counter(tuple(choices) for choices in ballots)
    rankings = [
        (tuple((index[n],) for n in choices), weight) for choices, weight in sorted(grouped.items())
    ]
    groups: dict[str, set[int]] = {}
    for c in definition.candidates:
        if c.group:
            groups.setdefault(c.group, set()).add(index[c.number])
    return CountInput(
        candidates=[c.name for c in definition.candidates],
        seats=definition.seats,
        ballots=rankings,
        title=definition.title,
        groups={name: frozenset(ids) for name, ids in groups.items()},
    )


def count_options(definition: ElectionDefinition) -> CountOptions:
    """The engine's options from the definition: seed, threshold, group minimums."""
    return CountOptions(
        seed=definition.tie_seed,
        referendum_threshold=Fraction(definition.threshold),
        abstentions_count=definition.abstentions_count,
        group_minimums={rule.group: rule.minimum for rule in definition.group_minimums},
    )


def recorded_choices(session: Session, election: Election) -> list[list[int]]:
    """Every ballot's choices, sorted by token."""
    assert election.id is not None
    return [json.loads(b.choices) for b in repository.ballots(session, election.id)]


def tally(
    session: Session, ctx: Context, election: Election, *, override_pending: str | None = None
) -> Result:
    """Count a closed election, store the result and log its hash.

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
    definition = definition_of(election)
    result = count(
        definition.method,
        count_input(definition, recorded_choices(session, election)),
        count_options(definition),
    )
    document = result.to_json()
    now = ctx.clock.now()
    election.result = canonical_json(document).decode()
    election.state = ElectionState.COUNTED
    election.counted_at = now
    session.add(election)
    ledger.append(
        session,
        election.id,
        {"kind": "counted", "result_hash": document_hash(document), "time": iso(now)},
    )
    return result
