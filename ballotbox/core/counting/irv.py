"""Instant-runoff voting (alternative vote) for one seat.

Each round every ballot counts, at its full weight, for its most preferred
continuing candidate.  A candidate with more than half of the votes still in
play wins.  Otherwise the candidate with fewest votes is excluded (ties: fewest
at the earliest round where they differed, then by lot) and their ballots pass
to the next continuing preference; ballots with none left are exhausted.  The
result names the final two and the exhausted total.
"""

from __future__ import annotations

from ballotbox.core.counting.model import CountInput, CountOptions, Number, Result, Round, TieBreak
from ballotbox.core.counting.prepare import Flat, prepare, resolve_equal
from ballotbox.core.counting.ties import TieBreaker


def count_irv(data: CountInput, options: CountOptions) -> Result:
    """Count ``data`` by instant-runoff for a single seat."""
    prep = prepare(data, options)
    n, equal = prep.n, prep.equal
    continuing = [c not in data.withdrawn for c in range(n)]
    piles: list[dict[Flat, Number]] = [{} for _ in range(n)]
    totals: list[Number] = [0] * n
    exhausted: Number = 0

    def place(rest: Flat, weight: Number) -> int:
        for j, x in enumerate(rest):
            if x >= n:
                found = resolve_equal(equal[x - n], continuing)
                if found == -1:
                    continue
                if found == -2:
                    return -1
                x = found
            elif not continuing[x]:
                continue
            tail = rest[j + 1 :]
            piles[x][tail] = piles[x].get(tail, 0) + weight
            totals[x] += weight
            return x
        return -1

    invalid: Number = prep.invalid
    for flat, weight in prep.groups.items():
        if place(flat, weight) < 0:
            invalid += weight
    valid = sum(totals)
    ties = TieBreaker(options.seed, data.candidates)
    history: list[list[Number]] = []
    rounds: list[Round] = []
    gained: list[Number] = [0] * n
    action = "first-preferences"
    subjects: tuple[int, ...] = ()
    tie_breaks: list[TieBreak] = []
    elected: tuple[int, ...] = ()
    final_two: list[int] = []
    while True:
        history.append(list(totals))
        alive = [c for c in range(n) if continuing[c]]
        in_play = sum(totals[c] for c in alive)
        top = max((totals[c] for c in alive), default=0)
        leaders = [c for c in alive if totals[c] == top]
        winner = -1
        if len(alive) == 1 or (len(leaders) == 1 and 2 * top > in_play):
            winner = leaders[0]
        if len(alive) == 2:
            final_two = sorted(alive, key=lambda c: (-totals[c], c))
        rounds.append(
            Round(
                number=len(rounds) + 1,
                action=action,
                subjects=subjects,
                votes=tuple(totals),
                transfers=tuple(gained),
                exhausted=exhausted,
                elected=(winner,) if winner >= 0 else (),
                excluded=subjects[:1] if action == "exclusion" else (),
                tie_breaks=tuple(tie_breaks),
            )
        )
        if winner >= 0 or not alive:
            elected = (winner,) if winner >= 0 else ()
            break
        lowest = min(totals[c] for c in alive)
        loser, tie = ties.pick(
            [c for c in alive if totals[c] == lowest],
            history,
            highest=False,
            purpose="exclude",
            stage=len(rounds) + 1,
        )
        continuing[loser] = False
        gained = [0] * n
        before = list(totals)
        pile, piles[loser] = piles[loser], {}
        for rest, weight in pile.items():
            if place(rest, weight) < 0:
                exhausted += weight
        gained = [totals[c] - before[c] for c in range(n)]
        gained[loser] = -before[loser]
        totals[loser] = 0
        action, subjects, tie_breaks = "exclusion", (loser,), [tie] if tie else []
    details = {"invalid": str(invalid)}
    if final_two:
        details["final_two"] = "; ".join(data.candidates[c] for c in final_two)
    return Result(
        method="irv",
        candidates=tuple(data.candidates),
        seats=1,
        quota=None,
        rounds=tuple(rounds),
        elected=elected,
        seed=options.seed,
        valid_poll=valid,
        title=data.title,
        details=details,
    )
