"""Instant-runoff voting (alternative vote) for one seat.

Each round every ballot counts, at its full weight, for its most preferred
continuing candidate.  A candidate with more than half of the votes still in
play wins.  Otherwise the candidate with fewest votes is excluded (ties: fewest
at the earliest round where they differed, then by lot) and their ballots pass
to the next continuing preference; ballots with none left are exhausted.  The
result names the final two and the exhausted total.
"""

from __future__ import annotations

from collections.abc import Sequence

from ballotbox.core.counting.model import CountInput, CountOptions, Number, Result, Round, TieBreak
from ballotbox.core.counting.prepare import (
    Papers,
    leave,
    prepare,
    targets,
    transfer,
)
from ballotbox.core.counting.ties import TieBreaker


def count_irv(data: CountInput, options: CountOptions) -> Result:
    """Count ``data`` by instant-runoff for a single seat."""
    prep = prepare(data, options)
    n = prep.n
    continuing = [c not in data.withdrawn for c in range(n)]
    target = targets(prep, continuing)
    prefs, starts = prep.prefs, prep.starts
    piles: list[Papers] = [([], []) for _ in range(n)]
    totals: list[Number] = [0] * n
    exhausted: Number = 0

    def place(offsets: Sequence[int], weights: Sequence[Number]) -> Number:
        """Give each paper to its next continuing preference; return the weight with none."""
        received, lost = transfer(prefs, target, offsets, weights)
        for to, (where, how_much) in received.items():
            piles[to][0].extend(where)
            piles[to][1].extend(how_much)
            totals[to] += sum(how_much)
        return lost

    invalid: Number = prep.invalid + place(starts, list(prep.weights))
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
        leave(prep, target, continuing, loser)
        before = list(totals)
        pile, piles[loser] = piles[loser], ([], [])
        exhausted += place(*pile)
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
