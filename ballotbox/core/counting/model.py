"""The count's plain data: what goes in (candidates, ballots), what comes out (rounds).

Numbers are exact: ``int`` or ``fractions.Fraction``, never floats.  In JSON a
number is a string: a plain decimal when it has a finite decimal expansion
("2727.8", "0.33333"), otherwise a fraction ("1/3"), so a result read back
with :meth:`Result.from_json` is equal to the one written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ballotbox.core.errors import InputError

Number = int | Fraction
#: One preference level: the candidate ids ranked equal at that level.
Level = tuple[int, ...]
#: A ballot's ranking, most preferred level first.
Ranking = tuple[Level, ...]


@dataclass(frozen=True)
class CountInput:
    """The plain data a count needs: candidates (id = index), seats and weighted ballots."""

    candidates: Sequence[str]
    seats: int
    ballots: Sequence[tuple[Ranking, Number]]
    withdrawn: frozenset[int] = frozenset()
    title: str = ""
    #: Named groups of candidate ids, e.g. {"women": frozenset({0, 3, 5})}.
    groups: Mapping[str, frozenset[int]] = field(default_factory=dict)
    #: The electoral college of each ballot (parallel to ``ballots``), if colleges are used.
    colleges: Sequence[str] | None = None


@dataclass(frozen=True)
class CountOptions:
    """How to count: the tie-break seed and method-specific settings."""

    seed: str = ""
    #: Meek: decimal places of the fixed-point arithmetic.
    meek_precision: int = 9
    #: Meek: iteration stops when the elected candidates' total surplus is below this.
    meek_tolerance: Fraction = Fraction(1, 100000)
    #: Referendum: "Yes" carries when its share is more than this.
    referendum_threshold: Fraction = Fraction(1, 2)
    #: Referendum: whether abstentions count in the denominator of the threshold.
    abstentions_count: bool = False
    #: Slates: at least this many elected from each named group (see CountInput.groups).
    group_minimums: Mapping[str, int] = field(default_factory=dict)
    #: Colleges: each college's share of the total weight; shares must sum to 1.
    college_weights: Mapping[str, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class TieBreak:
    """A tie and how it was resolved: by earlier stages or by lot from the seed."""

    purpose: str  # "exclude", "surplus", "elect"
    tied: tuple[int, ...]
    chosen: int
    rule: str  # "earlier-stages" or "lot"


@dataclass(frozen=True)
class Round:
    """One stage of the count, as on an official result sheet.

    ``votes`` holds each candidate's total at the end of the stage, indexed by
    candidate id; ``exhausted`` and ``loss`` are cumulative (non-transferable
    value and value lost to truncation of transfer values).
    """

    number: int
    action: str  # "first-preferences", "surplus", "exclusion", "count"
    subjects: tuple[int, ...]
    votes: tuple[Number, ...]
    transfers: tuple[Number, ...]
    exhausted: Number
    loss: Number = 0
    quota: Number | None = None
    elected: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    tie_breaks: tuple[TieBreak, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Result:
    """The outcome of a count with every round, ready for JSON, CSV or a printed sheet."""

    method: str
    candidates: tuple[str, ...]
    seats: int
    quota: Number | None
    rounds: tuple[Round, ...]
    elected: tuple[int, ...]
    seed: str
    valid_poll: Number
    title: str = ""
    #: Method-specific outcome, e.g. referendum "carried" / "not carried".
    outcome: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    def elected_names(self) -> list[str]:
        """The elected candidates' names in order of election."""
        return [self.candidates[c] for c in self.elected]

    def to_json(self) -> dict[str, Any]:
        """A plain JSON-able dict: names included, numbers as exact decimal strings."""
        names = self.candidates

        def by_name(values: Sequence[Number]) -> dict[str, str]:
            return {names[i]: number_str(v) for i, v in enumerate(values)}

        return {
            "method": self.method,
            "title": self.title,
            "candidates": list(names),
            "seats": self.seats,
            "quota": None if self.quota is None else number_str(self.quota),
            "valid_poll": number_str(self.valid_poll),
            "seed": self.seed,
            "elected": [names[c] for c in self.elected],
            "outcome": self.outcome,
            "details": dict(self.details),
            "rounds": [
                {
                    "number": r.number,
                    "action": r.action,
                    "candidates": [names[c] for c in r.subjects],
                    "quota": None if r.quota is None else number_str(r.quota),
                    "votes": by_name(r.votes),
                    "transfers": by_name(r.transfers),
                    "exhausted": number_str(r.exhausted),
                    "loss": number_str(r.loss),
                    "elected": [names[c] for c in r.elected],
                    "excluded": [names[c] for c in r.excluded],
                    "tie_breaks": [
                        {
                            "purpose": t.purpose,
                            "tied": [names[c] for c in t.tied],
                            "chosen": names[t.chosen],
                            "rule": t.rule,
                        }
                        for t in r.tie_breaks
                    ],
                    "note": r.note,
                }
                for r in self.rounds
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        """Read back what :meth:`to_json` wrote (for the offline verifier)."""
        try:
            names = tuple(str(n) for n in data["candidates"])
            index = {n: i for i, n in enumerate(names)}

            def ids(values: Sequence[str]) -> tuple[int, ...]:
                return tuple(index[v] for v in values)

            def per_candidate(values: Mapping[str, str]) -> tuple[Number, ...]:
                return tuple(parse_number(values[n]) for n in names)

            def optional(value: str | None) -> Number | None:
                return None if value is None else parse_number(value)

            rounds = tuple(
                Round(
                    number=int(r["number"]),
                    action=str(r["action"]),
                    subjects=ids(r["candidates"]),
                    votes=per_candidate(r["votes"]),
                    transfers=per_candidate(r["transfers"]),
                    exhausted=parse_number(r["exhausted"]),
                    loss=parse_number(r["loss"]),
                    quota=optional(r["quota"]),
                    elected=ids(r["elected"]),
                    excluded=ids(r["excluded"]),
                    tie_breaks=tuple(
                        TieBreak(
                            purpose=str(t["purpose"]),
                            tied=ids(t["tied"]),
                            chosen=index[t["chosen"]],
                            rule=str(t["rule"]),
                        )
                        for t in r["tie_breaks"]
                    ),
                    note=str(r["note"]),
                )
                for r in data["rounds"]
            )
            return cls(
                method=str(data["method"]),
                candidates=names,
                seats=int(data["seats"]),
                quota=optional(data["quota"]),
                rounds=rounds,
                elected=ids(data["elected"]),
                seed=str(data["seed"]),
                valid_poll=parse_number(data["valid_poll"]),
                title=str(data.get("title", "")),
                outcome=data.get("outcome"),
                details={str(k): str(v) for k, v in data.get("details", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(
                "The result JSON is not a ballotbox count result: {problem}", problem=repr(error)
            ) from error


def number_str(value: Number) -> str:
    """Exact text for a number: a decimal when it terminates, else "p/q"."""
    if isinstance(value, int):
        return str(value)
    num, den = value.numerator, value.denominator
    if den == 1:
        return str(num)
    twos = fives = 0
    rest = den
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{num}/{den}"
    places = max(twos, fives)
    scaled = abs(num) * 10**places // den
    sign = "-" if num < 0 else ""
    whole, frac = divmod(scaled, 10**places)
    return f"{sign}{whole}.{str(frac).rjust(places, '0').rstrip('0')}"


def parse_number(text: str) -> Number:
    """Inverse of :func:`number_str` (also accepts plain ints and decimals)."""
    value = Fraction(str(text).strip())
    return value.numerator if value.denominator == 1 else value


def decimal_str(value: Number, places: int) -> str:
    """``value`` truncated to ``places`` decimals, always with that many digits (for sheets)."""
    scaled = Fraction(value) * 10**places
    whole = int(scaled)  # truncates towards zero
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    if places == 0:
        return f"{sign}{whole}"
    q, r = divmod(whole, 10**places)
    return f"{sign}{q}.{str(r).rjust(places, '0')}"
