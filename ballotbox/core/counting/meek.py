"""Meek STV, after the Hill–Wichmann–Woodall algorithm as adopted in New Zealand.

Every candidate has a keep value: 1 while hopeful, 0 once excluded, and for an
elected candidate the share of each vote reaching them that they keep.  A
ballot's value (1 times its weight) flows down its ranking: each candidate
keeps value × keep value (truncated) and passes the rest on; what is left after
the last preference is exhausted.  Then

- quota = (valid votes − exhausted) ÷ (seats + 1), truncated, plus one unit
  of the last decimal place (so it moves as votes exhaust);
- each elected candidate's keep value becomes keep × quota ÷ votes, rounded
  up (so no one falls below the quota by rounding), and the votes are
  redistributed, until the elected candidates' surpluses add up to no more
  than the tolerance, or stop falling (rounding), or a hopeful candidate
  reaches the quota (and is elected);
- when no surplus is left to settle, the hopeful candidate with fewest votes
  is excluded (ties: earlier stages, then by lot).

Arithmetic: fixed point with ``CountOptions.meek_precision`` decimal places
(default 9, as in New Zealand), integers throughout; tolerance
``CountOptions.meek_tolerance`` (default 0.00001).  Each round of the result is
one settled state: first preferences, the settling of surpluses after an
election, or one exclusion.  Equal rankings are treated as in every method
here: a level with two or more continuing candidates makes the ballot exhaust.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from ballotbox.core.counting.meek_ballots import ELECTED, EXCLUDED, HOPEFUL, MeekBallots
from ballotbox.core.counting.model import CountInput, CountOptions, Number, Result, Round, TieBreak
from ballotbox.core.counting.prepare import prepare
from ballotbox.core.counting.slate import GroupRule
from ballotbox.core.counting.ties import TieBreaker
from ballotbox.core.errors import InputError

MAX_ITERATIONS = 10_000  # per settling; a safety net, never reached in practice


class MeekCount:
    """One Meek count in progress."""

    def __init__(self, data: CountInput, options: CountOptions) -> None:
        if not 1 <= options.meek_precision <= 30:
            raise InputError("Meek precision must be between 1 and 30 decimal places.")
        self.data = data
        self.scale = 10**options.meek_precision
        self.tolerance = int(Fraction(options.meek_tolerance) * self.scale)
        prep = prepare(data, options)
        self.n = prep.n
        self.status = [EXCLUDED if c in data.withdrawn else HOPEFUL for c in range(self.n)]
        self.keep = [0 if c in data.withdrawn else self.scale for c in range(self.n)]
        self.ballots = MeekBallots(prep, self.status)
        self.valid: Number = prep.valid
        self.invalid: Number = prep.invalid
        self.ties = TieBreaker(options.seed, data.candidates)
        self.groups = GroupRule(data, options)
        self.elected: list[int] = []
        self.rounds: list[Round] = []
        self.history: list[list[Number]] = []
        self.votes: list[Number] = [0] * self.n
        self.exhausted: Number = 0
        self.quota: Number = 0
        self.iterations = 0

    # -- arithmetic ---------------------------------------------------------------------------

    def _distribute(self) -> None:
        scale, keep = self.scale, self.keep
        votes: list[Number] = [0] * self.n
        exhausted: Number = 0
        for seq, weight in self.ballots.weights.items():
            rest = scale  # the value of one ballot still to place
            for c in seq:
                k = keep[c]
                if k == scale:
                    votes[c] += rest * weight
                    rest = 0
                    break
                taken = rest * k // scale
                votes[c] += taken * weight
                rest -= taken
            if rest:
                exhausted += rest * weight
        self.votes, self.exhausted = votes, exhausted
        in_play = Fraction(self.valid * scale - exhausted)
        self.quota = int(in_play // (self.data.seats + 1)) + 1

    def _settle(self) -> bool:
        """Redistribute until surpluses are within tolerance.

        Returns False when settling stalls: the total surplus stopped falling
        (fixed-point rounding leaves it just above the tolerance), as in Hill's
        Meek rules, so the count moves on to an exclusion.
        """
        previous: Number | None = None
        for _ in range(MAX_ITERATIONS):
            self._distribute()
            if any(s == HOPEFUL and self.votes[c] >= self.quota for c, s in enumerate(self.status)):
                return True
            surplus = self._surplus()
            if surplus <= self.tolerance:
                return True
            if previous is not None and surplus >= previous:
                return False
            previous = surplus
            changed = False
            for c in self.elected:
                new = min(self.scale, -(-self.keep[c] * self.quota // self.votes[c]))
                if new != self.keep[c]:
                    self.keep[c] = new
                    changed = True
            self.iterations += 1
            if not changed:
                return False
        return False

    def _surplus(self) -> Number:
        return sum(max(0, self.votes[c] - self.quota) for c in self.elected)

    # -- the stages ---------------------------------------------------------------------------

    def run(self) -> Result:
        """Count to the end and return the result with every round."""
        seats = self.data.seats
        self._distribute()
        self._record("first-preferences", (), [0] * self.n)
        stalled = False
        while len(self.elected) < seats:
            hopeful = [c for c in range(self.n) if self.status[c] == HOPEFUL]
            if not hopeful:
                break
            if len(hopeful) <= seats - len(self.elected):
                self._elect_remaining(hopeful)
                break
            forced = self.groups.must_exclude(hopeful, self.elected, seats)
            if forced:
                self._exclude(forced, "group minimum")
            elif self._surplus() > self.tolerance and not stalled:
                before = list(self.votes)
                stalled = not self._settle()
                self._record(
                    "surplus",
                    tuple(c for c in self.elected),
                    [a - b for a, b in zip(self.votes, before, strict=True)],
                )
                continue
            else:
                self._exclude(hopeful, "")
            stalled = False
        return Result(
            method="meek-stv",
            candidates=tuple(self.data.candidates),
            seats=seats,
            quota=self._num(self.quota),
            rounds=tuple(self.rounds),
            elected=tuple(self.elected),
            seed=self.ties.seed,
            valid_poll=self.valid,
            title=self.data.title,
            details={
                "precision": str(len(str(self.scale)) - 1),
                "iterations": str(self.iterations),
                "invalid": str(self.invalid),
            },
        )

    def _num(self, units: Number) -> Number:
        value = Fraction(units) / Fraction(self.scale)
        return value.numerator if value.denominator == 1 else value

    def _exclude(self, among: list[int], note: str) -> None:
        lowest = min(self.votes[c] for c in among)
        loser, tie = self.ties.pick(
            [c for c in among if self.votes[c] == lowest],
            self.history,
            highest=False,
            purpose="exclude",
            stage=len(self.rounds) + 1,
        )
        self.status[loser] = EXCLUDED
        self.keep[loser] = 0
        self.ballots.moved_on([loser])
        before = list(self.votes)
        self._settle()
        self._record(
            "exclusion",
            (loser,),
            [a - b for a, b in zip(self.votes, before, strict=True)],
            [tie] if tie else [],
            excluded=(loser,),
            note=note,
        )

    def _record(
        self,
        action: str,
        subjects: tuple[int, ...],
        gained: list[Number],
        tie_breaks: list[TieBreak] | None = None,
        excluded: tuple[int, ...] = (),
        note: str = "",
    ) -> None:
        self.history.append(list(self.votes))
        reached = [
            c for c in range(self.n) if self.status[c] == HOPEFUL and self.votes[c] >= self.quota
        ]
        order, ties = self.ties.order(
            reached, self.votes, self.history, purpose="elect", stage=len(self.rounds) + 1
        )
        now = []
        for c in order:
            if len(self.elected) < self.data.seats and not self.groups.blocks(
                c, [s == HOPEFUL for s in self.status], self.elected, self.data.seats
            ):
                self.status[c] = ELECTED
                self.elected.append(c)
                now.append(c)
        if now:
            self.ballots.moved_on(now)
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                action=action,
                subjects=subjects,
                votes=tuple(self._num(v) for v in self.votes),
                transfers=tuple(self._num(g) for g in gained),
                exhausted=self._num(self.exhausted),
                quota=self._num(self.quota),
                elected=tuple(now),
                excluded=excluded,
                tie_breaks=tuple((tie_breaks or []) + ties),
                note=note,
            )
        )

    def _elect_remaining(self, hopeful: list[int]) -> None:
        order, ties = self.ties.order(
            hopeful, self.votes, self.history, purpose="elect", stage=len(self.rounds)
        )
        for c in order:
            self.status[c] = ELECTED
            self.elected.append(c)
        last = self.rounds[-1]
        self.rounds[-1] = replace(
            last,
            elected=last.elected + tuple(order),
            tie_breaks=last.tie_breaks + tuple(ties),
            note=(last.note + "; " if last.note else "") + "last vacancies filled",
        )


def count_meek(data: CountInput, options: CountOptions) -> Result:
    """Count ``data`` by Meek STV."""
    return MeekCount(data, options).run()
