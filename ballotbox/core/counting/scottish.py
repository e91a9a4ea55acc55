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
Papers are kept grouped by the part of the ranking not yet used, so a
million ballots move as a few thousand parcels.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from ballotbox.core.counting.model import CountInput, CountOptions, Number, Result, Round, TieBreak
from ballotbox.core.counting.prepare import Flat, prepare, resolve_equal
from ballotbox.core.counting.slate import GroupRule
from ballotbox.core.counting.ties import TieBreaker

SCALE = 100_000  # five decimal places
Parcel = dict[Flat, Number]


def as_votes(units: Number) -> Number:
    """Units of 0.00001 back to an exact number of votes."""
    value = Fraction(units) / SCALE
    return value.numerator if value.denominator == 1 else value


class ScottishCount:
    """One count in progress: piles of papers per candidate, grouped by transfer value."""

    def __init__(self, data: CountInput, options: CountOptions) -> None:
        self.names = list(data.candidates)
        self.seats = data.seats
        prep = prepare(data, options)
        self.n = n = prep.n
        self.equal = prep.equal
        self.continuing = [c not in data.withdrawn for c in range(n)]
        # state[x]: 1 = a continuing candidate, 0 = not continuing, 2 = a level of equal rankings
        self.state = [1 if ok else 0 for ok in self.continuing] + [2] * len(self.equal)
        self.piles: list[dict[int, Parcel]] = [{} for _ in range(n)]
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
        gained, unplaced = self._distribute([(SCALE, prep.groups)])
        self.invalid += as_votes(unplaced)
        self.totals = gained
        self.valid_units: Number = sum(gained)
        valid = Fraction(self.valid_units) / SCALE
        self.quota_votes = int(valid // (self.seats + 1)) + 1
        self.quota = self.quota_votes * SCALE

    def _distribute(self, parcels: list[tuple[int, Parcel]]) -> tuple[list[Number], Number]:
        """Move each paper to its next continuing preference at the parcel's value.

        Returns the value gained per candidate and the non-transferable value.
        """
        state, piles, n, equal, continuing = (
            self.state,
            self.piles,
            self.n,
            self.equal,
            self.continuing,
        )
        gained: list[Number] = [0] * n
        nontransferable: Number = 0
        for value, parcel in parcels:
            buckets: dict[int, Parcel] = {}
            weights: dict[int, Number] = {}
            lost: Number = 0
            for rest, weight in parcel.items():
                target = -1
                j = 0
                for j, x in enumerate(rest):  # noqa: B007 - j is used after the loop
                    st = state[x]
                    if st == 1:
                        target = x
                        break
                    if st == 2:
                        found = resolve_equal(equal[x - n], continuing)
                        if found == -1:
                            continue
                        target = found  # -2 (several equal) leaves the paper non-transferable
                        break
                if target < 0:
                    lost += weight
                    continue
                tail = rest[j + 1 :]
                bucket = buckets.get(target)
                if bucket is None:
                    buckets[target] = {tail: weight}
                    weights[target] = weight
                else:
                    bucket[tail] = bucket.get(tail, 0) + weight
                    weights[target] += weight
            for target, bucket in buckets.items():
                dest = piles[target].get(value)
                if dest is None:
                    piles[target][value] = bucket
                else:
                    for tail, weight in bucket.items():
                        dest[tail] = dest.get(tail, 0) + weight
                gained[target] += weights[target] * value
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
        self.continuing[loser] = False
        self.state[loser] = 0
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
        self.continuing[c] = False
        self.state[c] = 0

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
