"""Scottish STV: The Scottish Local Government Elections Order 2007, rules 45–52.

- Quota (rule 46): valid poll ÷ (seats + 1), decimals ignored, plus 1.
- A candidate whose votes reach the quota at the end of a stage is elected
  (rule 47); several at once are elected in order of their votes.
- Each stage after the first is exactly one surplus transfer or one exclusion.
- Surplus (rules 48–49): the largest surplus first (ties: the candidate with
  more votes at the earliest stage where they differed, then by lot).  Every
  paper the candidate holds goes on at transfer value = surplus × the paper's
  value ÷ the candidate's total, truncated to 5 decimal places (weighted
  inclusive Gregory).  Surpluses are never deferred.
- Exclusion (rule 50): when no surplus is left, the candidate with fewest
  votes (ties: fewest at the earliest stage where they differed, then by lot)
  is excluded and all their papers pass on at the value they had.
- Last vacancies (rule 52): when the continuing candidates are no more than
  the vacancies, they are all elected and counting stops.

Arithmetic is exact: votes are integers in units of 0.00001 (times the
ballots' weights, which may be exact fractions for weighted colleges).
Identical rankings travel together as one paper with their total weight, so a
million ballots move as their distinct rankings, and a paper is an offset into
the rankings laid end to end (see :mod:`prepare`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from ballotbox.core.counting.model import CountInput, CountOptions, Number, Result, Round, TieBreak
from ballotbox.core.counting.prepare import Papers, Parcel, leave, prepare, targets, transfer
from ballotbox.core.counting.slate import GroupRule
from ballotbox.core.counting.ties import TieBreaker

SCALE = 100_000  # five decimal places


def as_votes(units: Number) -> Number:
    """Units of 0.00001 back to an exact number of votes."""
    value = Fraction(units) / SCALE
    return value.numerator if value.denominator == 1 else value


class ScottishCount:
    """One count in progress: piles of papers per candidate, grouped by transfer value."""

    def __init__(self, data: CountInput, options: CountOptions) -> None:
        self.names = list(data.candidates)
        self.seats = data.seats
        self.prep = prep = prepare(data, options)
        self.n = n = prep.n
        self.continuing = [c not in data.withdrawn for c in range(n)]
        self.target = targets(prep, self.continuing)
        self.prefs, starts = prep.prefs, prep.starts
        # piles[c][value]: the papers c holds at that transfer value (units of 0.00001)
        self.piles: list[dict[int, Papers]] = [{} for _ in range(n)]
        self.totals: list[Number] = [0] * n
        self.exhausted: Number = 0
        self.loss: Number = 0
        self.elected: list[int] = []
        self.transferred: set[int] = set()
        self.history: list[list[Number]] = []
        self.rounds: list[Round] = []
        self.ties = TieBreaker(options.seed, self.names)
        self.groups = GroupRule(data, options)
        self.seed = options.seed
        self.title = data.title
        self.invalid: Number = prep.invalid
        gained, unplaced = self._distribute([(SCALE, (starts, list(prep.weights)))])
        self.invalid += as_votes(unplaced)
        self.totals = gained
        self.valid_units: Number = sum(gained)
        valid = Fraction(self.valid_units) / SCALE
        self.quota_votes = int(valid // (self.seats + 1)) + 1
        self.quota = self.quota_votes * SCALE

    def _distribute(self, parcels: Sequence[tuple[int, Parcel]]) -> tuple[list[Number], Number]:
        """Move each paper to its next continuing preference at the parcel's value.

        Returns the value gained per candidate and the non-transferable value.
        """
        piles, prefs, target = self.piles, self.prefs, self.target
        gained: list[Number] = [0] * self.n
        nontransferable: Number = 0
        for value, (offsets, weights) in parcels:
            received, lost = transfer(prefs, target, offsets, weights)
            for to, papers in received.items():
                pile = piles[to].get(value)
                if pile is None:
                    piles[to][value] = papers
                else:
                    pile[0].extend(papers[0])
                    pile[1].extend(papers[1])
                gained[to] += sum(papers[1]) * value
            nontransferable += lost * value
        return gained, nontransferable

    # -- the stages -------------------------------------------------------------------------

    def run(self) -> Result:
        """Count to the end and return the result with every stage."""
        self._record("first-preferences", (), [0] * self.n, [])
        while len(self.elected) < self.seats:
            continuing = [c for c in range(self.n) if self.continuing[c]]
            left = self.seats - len(self.elected)
            if not continuing:
                break
            if len(continuing) <= left:
                self._elect_remaining(continuing)
                break
            forced = self.groups.must_exclude(continuing, self.elected, self.seats)
            if forced:
                self._exclude(forced, note="group minimum")
                continue
            surpluses = [
                c for c in self.elected if c not in self.transferred and self.totals[c] > self.quota
            ]
            if surpluses:
                self._transfer_surplus(surpluses)
            else:
                self._exclude(continuing)
        return Result(
            method="scottish-stv",
            candidates=tuple(self.names),
            seats=self.seats,
            quota=self.quota_votes,
            rounds=tuple(self.rounds),
            elected=tuple(self.elected),
            seed=self.seed,
            valid_poll=as_votes(self.valid_units),
            title=self.title,
            details={"invalid": str(self.invalid)},
        )

    def _stage(self) -> int:
        return len(self.rounds) + 1

    def _transfer_surplus(self, surpluses: list[int]) -> None:
        biggest = max(self.totals[c] for c in surpluses)
        tied = [c for c in surpluses if self.totals[c] == biggest]
        source, tie = self.ties.pick(
            tied, self.history, highest=True, purpose="surplus", stage=self._stage()
        )
        total = self.totals[source]
        surplus = total - self.quota
        parcels = [
            ((surplus * value) // total, parcel)
            for value, parcel in sorted(self.piles[source].items(), reverse=True)
        ]
        self.piles[source] = {}
        self.transferred.add(source)
        gained, nontransferable = self._distribute([(int(v), p) for v, p in parcels])
        moved = sum(gained)
        self.exhausted += nontransferable
        self.loss += surplus - moved - nontransferable
        gained[source] = -surplus
        for c in range(self.n):
            self.totals[c] += gained[c]
        self._record("surplus", (source,), gained, [tie] if tie else [])

    def _exclude(self, among: list[int], note: str = "") -> None:
        lowest = min(self.totals[c] for c in among)
        tied = [c for c in among if self.totals[c] == lowest]
        loser, tie = self.ties.pick(
            tied, self.history, highest=False, purpose="exclude", stage=self._stage()
        )
        leave(self.prep, self.target, self.continuing, loser)
        parcels = sorted(self.piles[loser].items(), reverse=True)
        self.piles[loser] = {}
        gained, nontransferable = self._distribute(parcels)
        self.exhausted += nontransferable
        gained[loser] = -self.totals[loser]
        for c in range(self.n):
            self.totals[c] += gained[c]
        self._record(
            "exclusion", (loser,), gained, [tie] if tie else [], excluded=(loser,), note=note
        )

    def _record(
        self,
        action: str,
        subjects: tuple[int, ...],
        gained: list[Number],
        tie_breaks: list[TieBreak],
        excluded: tuple[int, ...] = (),
        note: str = "",
    ) -> None:
        self.history.append(list(self.totals))
        elected_now, elect_ties = self._elect_reaching_quota()
        self.rounds.append(
            Round(
                number=len(self.rounds) + 1,
                action=action,
                subjects=subjects,
                votes=tuple(as_votes(t) for t in self.totals),
                transfers=tuple(as_votes(g) for g in gained),
                exhausted=as_votes(self.exhausted),
                loss=as_votes(self.loss),
                quota=self.quota_votes,
                elected=tuple(elected_now),
                excluded=excluded,
                tie_breaks=tuple(tie_breaks + elect_ties),
                note=note,
            )
        )

    def _elect_reaching_quota(self) -> tuple[list[int], list[TieBreak]]:
        reached = [c for c in range(self.n) if self.continuing[c] and self.totals[c] >= self.quota]
        order, ties = self.ties.order(
            reached, self.totals, self.history, purpose="elect", stage=len(self.history)
        )
        now = []
        for c in order:
            if len(self.elected) >= self.seats or self.groups.blocks(
                c, self.continuing, self.elected, self.seats
            ):
                continue
            self._mark_elected(c)
            now.append(c)
        return now, ties

    def _mark_elected(self, c: int) -> None:
        self.elected.append(c)
        leave(self.prep, self.target, self.continuing, c)

    def _elect_remaining(self, continuing: list[int]) -> None:
        """Rule 52: as many continuing candidates as vacancies: all are elected, no transfer."""
        order, ties = self.ties.order(
            continuing, self.totals, self.history, purpose="elect", stage=len(self.history)
        )
        for c in order:
            self._mark_elected(c)
        last = self.rounds[-1]
        self.rounds[-1] = replace(
            last,
            elected=last.elected + tuple(order),
            tie_breaks=last.tie_breaks + tuple(ties),
            note=(last.note + "; " if last.note else "") + "last vacancies filled",
        )


def count_scottish(data: CountInput, options: CountOptions) -> Result:
    """Count ``data`` by the Scottish STV rules."""
    return ScottishCount(data, options).run()
