"""The verifier's checks on the log's story: events in order, bound to the files, checkpoints.

They read the lifecycle events and the heads that the single pass over
log.jsonl kept (``verify_scan.LogScan``); every other entry is a ballot, so
the ballots between two events are checked as one run.
Pure: standard library and PyNaCl.
"""

from __future__ import annotations

from typing import Any

from ballotbox.core.audit.chain import EVENT_KINDS, document_hash
from ballotbox.core.audit.receipts import open_checkpoint
from ballotbox.core.audit.verify_checks import Evidence


def check_lifecycle(ev: Evidence) -> list[str]:
    """Events come in order: created, tokens and voids, opened, ballots, closed, counted."""
    problems: list[str] = []
    events = ev.log.events
    kinds = [e.payload.get("kind") for e in events]
    for entry, kind in zip(events, kinds, strict=True):
        if kind not in EVENT_KINDS:
            problems.append(f"log.jsonl, line {entry.position + 1}: unknown entry kind {kind!r}")
    if not events or events[0].position != 0 or kinds[0] != "created":
        problems.append("log.jsonl, line 1: the log does not start with a created event")
    for name in ("opened", "closed"):
        if kinds.count(name) != 1:
            problems.append(f"log.jsonl: {kinds.count(name)} {name} events, expected exactly 1")
    if problems:
        return problems
    at = {kind: events[kinds.index(kind)] for kind in ("opened", "closed")}
    opened, closed = at["opened"].position, at["closed"].position
    if closed < opened:
        problems.append(f"log.jsonl, line {closed + 1}: closed before it was opened")
    late_allowed = _count({"count": at["closed"].payload.get("late", 0)})
    counted_at = events[kinds.index("counted")].position if "counted" in kinds else ev.log.length
    late = 0
    bounds = [e.position for e in events] + [ev.log.length]
    for entry, kind, end in zip(events, kinds, bounds[1:], strict=True):
        index = entry.position
        if kind in ("tokens_issued", "voided") and index > opened:
            problems.append(f"log.jsonl, line {index + 1}: {kind} after the election opened")
        if kind in ("override", "counted", "published") and index < closed:
            problems.append(f"log.jsonl, line {index + 1}: {kind} before the close")
        run = range(index + 1, end)  # the ballots up to the next event
        if not run or opened < index < closed or index == opened:
            continue
        if closed <= index < counted_at:
            # Letters received before the close, keyed after it: bounded by the close.
            for ballot in run:
                late += 1
                if late > late_allowed:
                    problems.append(
                        f"log.jsonl, line {ballot + 1}: ballot {late} after the close, but the "
                        f"closed event allowed {late_allowed} late ballot(s) (letters in hand)"
                    )
        else:
            problems.extend(
                f"log.jsonl, line {ballot + 1}: a ballot outside the voting period"
                for ballot in run
            )
    problems.extend(_event_bindings(ev, at["opened"].payload, at["closed"].payload, closed))
    return problems


def _event_bindings(
    ev: Evidence, opened: dict[str, Any], closing: dict[str, Any], closed: int
) -> list[str]:
    """Events agree with the files: commitment, token counts, ballots at close, the result."""
    problems: list[str] = []
    events = ev.log.events
    if opened.get("commitment") != ev.statement:
        line = next(e.position for e in events if e.payload is opened) + 1
        problems.append(f"log.jsonl, line {line}: the opened event does not hold commitment.json")
    committed = ev.commitment or {}
    issued = sum(_count(e.payload) for e in events if e.payload.get("kind") == "tokens_issued")
    voided = sum(_count(e.payload) for e in events if e.payload.get("kind") == "voided")
    expected = (committed.get("tokens_issued"), len(committed.get("void", [])))
    if (issued, voided) != expected:
        problems.append(
            f"log.jsonl: tokens_issued and voided events add up to {issued} and {voided}; "
            f"the commitment says {expected[0]} and {expected[1]}"
        )
    before = ev.log.ballots_before[closed]
    if closing.get("ballots") != before:
        problems.append(
            f"log.jsonl, line {closed + 1}: the closed event says "
            f"{closing.get('ballots')} ballots; the log holds {before}"
        )
    counted = [e for e in events if e.payload.get("kind") == "counted"]
    if not counted:
        problems.append("log.jsonl: no counted event")
    elif counted[-1].payload.get("result_hash") != document_hash(ev.result):
        problems.append(
            f"log.jsonl, line {counted[-1].position + 1}: the counted event does "
            "not name result.json (result altered after the count)"
        )
    return problems


def _count(payload: dict[str, Any]) -> int:
    """The ``count`` field of a tokens_issued or voided event (0 when malformed)."""
    count = payload.get("count")
    return count if isinstance(count, int) else 0


def check_checkpoints(ev: Evidence) -> list[str]:
    """Every checkpoint is signed for this election and matches the chain where it points."""
    problems: list[str] = []
    closed = [e.position for e in ev.log.events if e.payload.get("kind") == "closed"]
    last = -1
    for number, statement in enumerate(ev.checkpoints, start=1):
        where = f"checkpoint {number}"
        body = open_checkpoint(ev.key, statement)
        if body is None:
            other = statement.get("body", {}) if isinstance(statement, dict) else {}
            election = other.get("election") if isinstance(other, dict) else None
            named = f" (it names election {election!r})" if election != ev.slug else ""
            problems.append(f"{where}: not signed by this election's key{named}")
            continue
        position = body["position"]
        if body["election"] != ev.slug:
            problems.append(f"{where}: made for election {body['election']!r}")
        if not isinstance(position, int) or not 0 <= position < ev.log.length:
            problems.append(f"{where}: position {position} is not in the log")
            continue
        if position <= last:
            problems.append(f"{where}: position {position} does not follow the previous one")
        last = position
        if body["head"] != ev.log.heads[position].hex():
            problems.append(f"{where}: head at position {position} differs from the log's")
        ballots = ev.log.running[position]
        if body["ballots"] != ballots:
            problems.append(
                f"{where}: says {body['ballots']} ballots by position {position}; "
                f"the log has {ballots}"
            )
    if closed and last < closed[0]:
        problems.append("checkpoints.json: no signed checkpoint at or after the close")
    return problems
