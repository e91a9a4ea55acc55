"""Single-round counts: plurality / block vote, approval, and referendum.

- Plurality / block vote: a ballot selects up to ``seats`` candidates, each
  selected candidate gets the ballot's weight; a ballot selecting more is
  invalid.  The ``seats`` candidates with most votes are elected.
- Approval: the same with no limit on the number selected.
- Referendum: each ballot selects one of Yes, No, Abstain.  Yes carries when
  Yes ÷ (Yes + No) is more than the threshold (default ½; e.g. ⅔); abstentions
  are reported separately and join the denominator only if the options say so.

Ties for the last seat are broken by lot from the seed (there are no earlier
stages to look at).
"""

from __future__ import annotations

from fractions import Fraction

from ballotbox.core.counting.model import (
    CountInput,
    CountOptions,
    Number,
    Result,
    Round,
    TieBreak,
    number_str,
)
from ballotbox.core.counting.prepare import college_multipliers
from ballotbox.core.counting.ties import TieBreaker


def _tally(
    data: CountInput, options: CountOptions, limit: int | None
) -> tuple[list[Number], Number, Number]:
    """Votes per candidate, valid and invalid weight, for ballots of unordered selections."""
    votes: list[Number] = [0] * len(data.candidates)
    valid: Number = 0
    invalid: Number = 0
    multipliers = college_multipliers(data, options)
    for i, (ranking, weight) in enumerate(data.ballots):
        if multipliers is not None:
            weight = weight * multipliers[i]
        chosen = {c for level in ranking for c in level if c not in data.withdrawn}
        if not chosen or (limit is not None and len(chosen) > limit):
            invalid += weight
            continue
        valid += weight
        for c in chosen:
            votes[c] += weight
    return votes, valid, invalid


def top(
    votes: list[Number], candidates: list[int], seats: int, ties: TieBreaker
) -> tuple[list[int], list[TieBreak]]:
    """The ``seats`` candidates with most votes; a tie across the last place goes to lot."""
    ranked = sorted(candidates, key=lambda c: (-votes[c], c))
    if len(ranked) <= seats:
        return ranked, []
    cut = votes[ranked[seats - 1]]
    sure = [c for c in ranked if votes[c] > cut]
    tied = [c for c in ranked if votes[c] == cut]
    breaks: list[TieBreak] = []
    chosen = list(sure)
    while len(chosen) < seats:
        if len(tied) == 1:
            chosen.append(tied.pop())
            continue
        pick = ties.by_lot(tied, "elect", 1)
        breaks.append(TieBreak("elect", tuple(tied), pick, "lot"))
        chosen.append(pick)
        tied.remove(pick)
    return chosen, breaks


def _single_round(
    method: str, data: CountInput, options: CountOptions, limit: int | None
) -> Result:
    votes, valid, invalid = _tally(data, options, limit)
    n = len(data.candidates)
    ties = TieBreaker(options.seed, data.candidates)
    standing = [c for c in range(n) if c not in data.withdrawn]
    elected, breaks = top(votes, standing, data.seats, ties)
    round_ = Round(
        number=1,
        action="count",
        subjects=(),
        votes=tuple(votes),
        transfers=tuple(votes),
        exhausted=0,
        elected=tuple(elected),
        tie_breaks=tuple(breaks),
    )
    return Result(
        method=method,
        candidates=tuple(data.candidates),
        seats=data.seats,
        quota=None,
        rounds=(round_,),
        elected=tuple(elected),
        seed=options.seed,
        valid_poll=valid,
        title=data.title,
        details={"invalid": number_str(invalid)},
    )


def count_plurality(data: CountInput, options: CountOptions) -> Result:
    """Plurality (one seat) or block vote: select up to ``seats`` candidates."""
    return _single_round("plurality", data, options, data.seats)


def count_approval(data: CountInput, options: CountOptions) -> Result:
    """Approval: select any number; the ``seats`` most approved are elected."""
    return _single_round("approval", data, options, None)


def count_referendum(data: CountInput, options: CountOptions) -> Result:
    """Yes / No / Abstain with a threshold on Yes's share of the votes cast."""
    votes, valid, invalid = _tally(data, options, 1)
    yes, no, abstain = votes
    cast = yes + no + (abstain if options.abstentions_count else 0)
    share = Fraction(yes) / cast if cast else Fraction(0)
    carried = cast > 0 and share > options.referendum_threshold
    round_ = Round(
        number=1,
        action="count",
        subjects=(),
        votes=tuple(votes),
        transfers=tuple(votes),
        exhausted=0,
    )
    return Result(
        method="referendum",
        candidates=tuple(data.candidates),
        seats=1,
        quota=None,
        rounds=(round_,),
        elected=(),
        seed=options.seed,
        valid_poll=valid,
        title=data.title,
        outcome="carried" if carried else "not carried",
        details={
            "yes_share": number_str(share),
            "threshold": number_str(options.referendum_threshold),
            "abstentions": number_str(abstain),
            "abstentions_count": str(options.abstentions_count).lower(),
            "invalid": number_str(invalid),
        },
    )
