"""Turn a CountInput's ballots into the compact form the counts work on.

Identical rankings are grouped (their weights added), withdrawn candidates are
struck out, and college shares are applied.  A ranking becomes a flat tuple of
ints: an id below ``n`` is one candidate; ``n + k`` stands for the k-th level
of equal rankings, listed in ``Prepared.equal``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ballotbox.core.counting.model import CountInput, CountOptions, Number
from ballotbox.core.errors import InputError

Flat = tuple[int, ...]


@dataclass(frozen=True)
class Prepared:
    """Grouped ballots: ``groups`` maps a flat ranking to its total weight."""

    n: int
    groups: dict[Flat, Number]
    equal: tuple[frozenset[int], ...]
    #: Total weight of ballots with at least one valid preference.
    valid: Number
    #: Total weight of ballots with none (empty, or only withdrawn candidates).
    invalid: Number


def college_multipliers(data: CountInput, options: CountOptions) -> list[Number] | None:
    """Per-ballot weight multipliers so each college's total weight is its share of the whole."""
    if data.colleges is None and not options.college_weights:
        return None
    if data.colleges is None or len(data.colleges) != len(data.ballots):
        raise InputError("College weights need a college for every ballot.")
    shares = {k: Fraction(v) for k, v in options.college_weights.items()}
    if any(s < 0 for s in shares.values()) or sum(shares.values()) != 1:
        raise InputError("College shares must be non-negative and add up to 1.")
    totals: dict[str, Number] = {}
    for (_ranking, weight), college in zip(data.ballots, data.colleges, strict=True):
        if college not in shares:
            raise InputError("Ballot college “{college}” has no share.", college=college)
        totals[college] = totals.get(college, 0) + weight
    whole = sum(totals.values())
    factor = {k: Fraction(shares[k] * whole) / t for k, t in totals.items() if t}
    return [factor[c] for c in data.colleges]


def prepare(data: CountInput, options: CountOptions) -> Prepared:
    """Group identical rankings, strike out withdrawn candidates, apply college shares."""
    n = len(data.candidates)
    withdrawn = data.withdrawn
    multipliers = college_multipliers(data, options)
    equal_index: dict[frozenset[int], int] = {}
    cache: dict[tuple[tuple[int, ...], ...], Flat] = {}
    groups: dict[Flat, Number] = {}
    invalid: Number = 0
    for i, (ranking, weight) in enumerate(data.ballots):
        if multipliers is not None:
            weight = weight * multipliers[i]
            if isinstance(weight, Fraction) and weight.denominator == 1:
                weight = weight.numerator
        flat = cache.get(ranking)
        if flat is None:
            flat = _flatten(ranking, n, withdrawn, equal_index)
            cache[ranking] = flat
        if flat:
            groups[flat] = groups.get(flat, 0) + weight
        else:
            invalid += weight
    equal = tuple(sorted(equal_index, key=equal_index.__getitem__))
    return Prepared(n, groups, equal, sum(groups.values()), invalid)


def _flatten(
    ranking: Sequence[Sequence[int]],
    n: int,
    withdrawn: frozenset[int],
    equal_index: dict[frozenset[int], int],
) -> Flat:
    seen: set[int] = set()
    flat: list[int] = []
    for level in ranking:
        members = []
        for c in level:
            if not 0 <= c < n:
                raise InputError(
                    "A ballot ranks candidate number {c}, which does not exist.", c=c + 1
                )
            if c not in withdrawn and c not in seen:
                members.append(c)
                seen.add(c)
        if len(members) == 1:
            flat.append(members[0])
        elif members:
            key = frozenset(members)
            flat.append(n + equal_index.setdefault(key, len(equal_index)))
    return tuple(flat)


def resolve_equal(members: frozenset[int], continuing: Sequence[bool]) -> int:
    """The one continuing candidate of an equal-ranked level; -1 if none; -2 if several.

    A ballot whose next level ranks two or more continuing candidates equal
    expresses no single next preference, so it is non-transferable there.
    """
    found = [c for c in members if continuing[c]]
    if not found:
        return -1
    return found[0] if len(found) == 1 else -2
