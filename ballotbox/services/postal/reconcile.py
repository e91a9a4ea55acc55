"""Reconciliation: letters received = accepted + spoilt + rejected + pending, per batch and overall.

Every letter row has exactly one status, so the equation holds by
construction; the report still checks it against the number received that
the supervisor declared when opening the batch, and checks the accepted
letters against the ballots the core recorded for the channel.  Counting is
blocked while any letter is pending unless the returning officer overrides
with a reason, which goes into the election's hash chain.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.core.spreadsheet import SafeWriter
from ballotbox.services import Context
from ballotbox.services.elections import iso
from ballotbox.services.postal import queries
from ballotbox.services.postal.errors import PendingLettersError
from ballotbox.storage import ledger, repository
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.models_postal import BatchKind, LetterStatus, PostalBatch

TOTAL_LABEL = N_("All batches")  # the label of the report's last line


@dataclass
class Line:
    """One batch's figures (or the total over all batches)."""

    label: str
    kind: str
    received: int
    batch_id: int | None = None
    statuses: Counter[str] = field(default_factory=Counter)
    spoilt: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    unkeyed: int = 0
    keyed_once: int = 0
    adjudication: int = 0

    def count(self, status: str) -> int:
        """Letters with ``status``."""
        return self.statuses[status]

    @property
    def accepted(self) -> int:
        return self.count(LetterStatus.ACCEPTED)

    @property
    def pending(self) -> int:
        return self.count(LetterStatus.PENDING)

    @property
    def accounted(self) -> int:
        """accepted + spoilt + rejected + pending."""
        return sum(self.statuses[s] for s in LetterStatus)

    @property
    def balanced(self) -> bool:
        """True when every letter received is accounted for exactly once."""
        return self.accounted == self.received and self.pending == (
            self.unkeyed + self.keyed_once + self.adjudication
        )


@dataclass
class Reconciliation:
    """The whole election's postal figures and the cross-check against recorded ballots."""

    election: Election
    lines: list[Line]
    total: Line
    ballots_by_channel: dict[str, int]

    @property
    def balanced(self) -> bool:
        """Every batch and the total add up, and accepted letters match recorded ballots."""
        return (
            all(line.balanced for line in self.lines)
            and self.total.balanced
            and self.matches_ballots
        )

    @property
    def accepted_post(self) -> int:
        return sum(line.accepted for line in self.lines if line.kind == BatchKind.POST)

    @property
    def accepted_voicemail(self) -> int:
        return sum(line.accepted for line in self.lines if line.kind == BatchKind.VOICEMAIL)

    @property
    def matches_ballots(self) -> bool:
        """Letters accepted from post = ballots recorded with channel postal."""
        return self.accepted_post == self.ballots_by_channel.get("postal", 0)


def reconcile(session: Session, election: Election) -> Reconciliation:
    """The reconciliation of every batch of ``election``."""
    assert election.id is not None
    batches: dict[int, PostalBatch] = {
        b.id: b for b in queries.batches(session, election.id) if b.id
    }
    lines = {bid: Line(b.label, b.kind, b.letters, bid) for bid, b in batches.items()}
    for batch_id, status, reason, disputed, n in queries.letter_counts(session, election.id):
        line = lines[batch_id]
        line.statuses[status] += n
        if status == LetterStatus.SPOILT:
            line.spoilt[reason] += n
        elif status == LetterStatus.REJECTED:
            line.rejected[reason] += n
        elif status == LetterStatus.PENDING and disputed:
            line.adjudication += n
    for batch_id, by_entries in queries.pending_with_entries(session, election.id).items():
        lines[batch_id].unkeyed = by_entries.get(0, 0)
        lines[batch_id].keyed_once = sum(n for k, n in by_entries.items() if k >= 1)
    total = Line(TOTAL_LABEL, "total", sum(line.received for line in lines.values()))
    for line in lines.values():
        total.statuses.update(line.statuses)
        total.spoilt.update(line.spoilt)
        total.rejected.update(line.rejected)
        total.unkeyed += line.unkeyed
        total.keyed_once += line.keyed_once
        total.adjudication += line.adjudication
    return Reconciliation(
        election, list(lines.values()), total, repository.turnout_by_channel(session, election.id)
    )


CSV_COLUMNS = (
    "batch",
    "label",
    "kind",
    "received",
    "accepted",
    "spoilt",
    "rejected",
    "pending",
    "pending_unkeyed",
    "pending_keyed_once",
    "pending_adjudication",
    "balanced",
    "spoilt_reasons",
    "rejected_reasons",
)


def _reasons(counter: Counter[str]) -> str:
    return "; ".join(f"{reason}={n}" for reason, n in sorted(counter.items()))


def to_csv(report: Reconciliation) -> str:
    """The report as CSV: one row per batch and a total row."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in [*report.lines, report.total]:
        writer.writerow(
            [
                line.batch_id if line.batch_id is not None else "total",
                line.label,
                line.kind,
                line.received,
                line.accepted,
                line.count(LetterStatus.SPOILT),
                line.count(LetterStatus.REJECTED),
                line.pending,
                line.unkeyed,
                line.keyed_once,
                line.adjudication,
                "yes" if line.balanced else "NO",
                _reasons(line.spoilt),
                _reasons(line.rejected),
            ]
        )
    return out.getvalue()


def letters_in_hand(session: Session, election: Election) -> int:
    """Letters and phone messages of ``election`` received and not yet resolved.

    Wired as the context's ``late_arrivals``: at the close the chain commits to
    how many of them may still be keyed and cast.
    """
    assert election.id is not None
    return queries.pending_count(session, election.id)


def assert_no_pending(session: Session, election: Election) -> None:
    """Raise PendingLettersError if any postal letter of ``election`` is still pending."""
    assert election.id is not None
    pending = queries.pending_count(session, election.id)
    if pending:
        raise PendingLettersError(slug=election.slug, count=pending)


def override_pending(session: Session, ctx: Context, election: Election, reason: str) -> int:
    """Allow counting with letters pending: log the reason in the hash chain; return how many."""
    reason = " ".join(reason.split())
    if len(reason) < 5 or len(reason) > 500:
        raise InputError(
            N_("Give a reason of 5 to 500 characters for counting with letters pending.")
        )
    assert election.id is not None
    pending = queries.pending_count(session, election.id)
    if pending:
        ledger.append(
            session,
            election.id,
            {
                "kind": "override",
                "what": "postal_letters_pending",
                "pending": pending,
                "reason": reason,
                "time": iso(ctx.clock.now()),
            },
        )
    return pending


def gate_tally(
    session: Session, ctx: Context, election: Election, override_reason: str | None
) -> int:
    """What the tally service checks first: block on pending letters unless overridden.

    Returns how many pending letters the override let through (0 if none).
    Elections that cannot be counted yet are left to the tally's own error.
    """
    if election.state not in {ElectionState.CLOSED, ElectionState.COUNTED}:
        return 0
    if override_reason is not None:
        return override_pending(session, ctx, election, override_reason)
    assert_no_pending(session, election)
    return 0
