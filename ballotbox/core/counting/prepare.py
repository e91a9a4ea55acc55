"""Turn a CountInput's ballots into the compact form the counts work on.

Identical rankings are grouped (their weights added), withdrawn candidates are
struck out, and college shares are applied.  A ranking becomes a tuple of
codes ending with END (see :mod:`profile`): a code below ``n`` is one
candidate; ``n + k`` stands for the k-th level of equal rankings, listed in
``Prepared.equal``.  A profile read from a ``.blt`` file is already in this
form and passes straight through, so preparing a million ballots costs
nothing per ballot.

The rankings lie end to end in one list (``Prepared.prefs``); a parcel of
papers is a list of offsets into it, and moving a paper on is a few list
lookups (:func:`transfer`), with no tuple built per paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate, chain

from ballotbox.core.counting.model import CountInput, CountOptions, Number
from ballotbox.core.counting.profile import END, Codes, Profile
from ballotbox.core.errors import InputError

#: Entries of a target table (see :func:`transfer`) that are not a candidate.
SKIP, STOP = -1, -2
#: A parcel's papers: where each one stands in the flat rankings, and its weight.
Papers = tuple[list[int], list[Number]]
#: Papers to move: their offsets and weights (lists, or the arrays of a profile).
Parcel = tuple[Sequence[int], Sequence[Number]]


@dataclass(frozen=True)
class Prepared:
    """Distinct non-empty rankings laid end to end as codes, with their total weights (never 0)."""

    n: int
    #: Every ranking's codes, each ending with END (as in a :class:`Profile`).
    prefs: Sequence[int]
    #: Where each ranking starts in ``prefs``.
    starts: Sequence[int]
    weights: Sequence[Number]
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
    return [factor.get(c, 0) for c in data.colleges]  # a college of weight 0 has nothing to scale


def prepare(data: CountInput, options: CountOptions) -> Prepared:
    """Group identical rankings, strike out withdrawn candidates, apply college shares."""
    n = len(data.candidates)
    multipliers = college_multipliers(data, options)
    ballots = data.ballots
    if isinstance(ballots, Profile) and ballots.n == n and not data.withdrawn and not multipliers:
        return _from_profile(ballots)
    equal_index: dict[frozenset[int], int] = {}
    cache: dict[tuple[tuple[int, ...], ...], Codes] = {}
    groups: dict[Codes, Number] = {}
    invalid: Number = 0
    for i, (ranking, weight) in enumerate(ballots):
        if multipliers is not None:
            weight = weight * multipliers[i]
            if isinstance(weight, Fraction) and weight.denominator == 1:
                weight = weight.numerator
        codes = cache.get(ranking)
        if codes is None:
            codes = _codes(ranking, n, data.withdrawn, equal_index)
            cache[ranking] = codes
        if len(codes) > 1:
            groups[codes] = groups.get(codes, 0) + weight
        else:
            invalid += weight
    equal = tuple(sorted(equal_index, key=equal_index.__getitem__))
    kept = [(codes, weight) for codes, weight in groups.items() if weight]  # 0 changes nothing
    weights = [weight for _codes, weight in kept]
    prefs = list(chain.from_iterable(codes for codes, _w in kept))
    starts = list(accumulate((len(codes) for codes, _w in kept), initial=0))
    starts.pop()
    return Prepared(n, prefs, starts, weights, equal, sum(weights), invalid)


def _from_profile(profile: Profile) -> Prepared:
    """A profile read from a file: already grouped; only its empty ranking (if any) is left out."""
    prefs, starts, weights = profile.prefs, profile.starts, profile.weights
    invalid: Number = 0
    firsts = list(map(prefs.__getitem__, starts))
    if END in firsts:  # the empty ranking: there is at most one
        i = firsts.index(END)
        invalid = weights[i]
        starts = [*starts[:i], *starts[i + 1 :]]
        weights = [*weights[:i], *weights[i + 1 :]]
    equal = tuple(frozenset(level) for level in profile.levels)
    return Prepared(profile.n, prefs, starts, weights, equal, sum(weights), invalid)


def _codes(
    ranking: Sequence[Sequence[int]],
    n: int,
    withdrawn: frozenset[int],
    equal_index: dict[frozenset[int], int],
) -> Codes:
    seen: set[int] = set()
    codes: list[int] = []
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
            codes.append(members[0])
        elif members:
            key = frozenset(members)
            codes.append(n + equal_index.setdefault(key, len(equal_index)))
    codes.append(END)
    return tuple(codes)


def resolve_equal(members: frozenset[int], continuing: Sequence[bool]) -> int:
    """The one continuing candidate of an equal-ranked level; -1 if none; -2 if several.

    A ballot whose next level ranks two or more continuing candidates equal
    expresses no single next preference, so it is non-transferable there.
    """
    found = [c for c in members if continuing[c]]
    if not found:
        return -1
    return found[0] if len(found) == 1 else -2


def targets(prep: Prepared, continuing: Sequence[bool]) -> list[int]:
    """Where a paper at each code goes: the candidate, SKIP to the next code, or STOP.

    Indexed by code, with END (-1) as the last entry, which is STOP.
    """
    n = prep.n
    table = [c if continuing[c] else SKIP for c in range(n)]
    table.extend(resolve_equal(members, continuing) for members in prep.equal)
    table.append(STOP)
    return table


def leave(prep: Prepared, target: list[int], continuing: list[bool], c: int) -> None:
    """Candidate ``c`` stops continuing: papers pass over it (and over levels it now settles)."""
    continuing[c] = False
    target[c] = SKIP
    n = prep.n
    for k, members in enumerate(prep.equal):
        if c in members:
            target[n + k] = resolve_equal(members, continuing)


def transfer(
    prefs: Sequence[int], target: list[int], offsets: Iterable[int], weights: Iterable[Number]
) -> tuple[dict[int, Papers], Number]:
    """Move each paper to its target: the papers each candidate receives, and the weight lost.

    A paper stands at an offset in ``prefs``; it goes to the first code from
    there whose ``target`` entry is not SKIP, and afterwards stands just past it.
    """
    received: dict[int, Papers] = {}
    lost: Number = 0
    get = received.get
    for at, weight in zip(offsets, weights, strict=True):
        to = target[prefs[at]]
        while to == SKIP:
            at += 1
            to = target[prefs[at]]
        if to < 0:
            lost += weight
            continue
        papers = get(to)
        if papers is None:
            received[to] = ([at + 1], [weight])
        else:
            papers[0].append(at + 1)
            papers[1].append(weight)
    return received, lost
