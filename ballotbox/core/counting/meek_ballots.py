"""Meek's ballots, grouped by the part of each ranking that still matters.

A Meek ballot gives its value away along its ranking and stops at its first
hopeful candidate, who keeps all of what is left; everything after that
candidate receives nothing for now.  So the count only needs each ranking up
to its first hopeful candidate (excluded candidates left out): ballots with
the same such part are one group, and a million ballots are a few hundred
groups.  Candidates only ever stop being hopeful, so a ballot's part only
ever grows: when a candidate is elected or excluded, only the ballots stopped
at them move on (:meth:`MeekBallots.moved_on`), each at most once past every
code of its ranking over the whole count.

A level of equal rankings counts as its one remaining candidate (hopeful or
elected); a level with two or more of them stops the ballot, which exhausts
there until exclusions settle the level.
"""

from __future__ import annotations

from collections.abc import Sequence

from ballotbox.core.counting.model import Number
from ballotbox.core.counting.prepare import Papers, Prepared, resolve_equal
from ballotbox.core.counting.profile import END, Codes

HOPEFUL, ELECTED, EXCLUDED = 1, 2, 0


class MeekBallots:
    """The groups of a Meek count; ``weights`` maps each group's ranking part to its weight."""

    def __init__(self, prep: Prepared, status: Sequence[int]) -> None:
        self.prep = prep
        self.status = status  # the count's own list: read, never written, here
        self.alive = [s != EXCLUDED for s in status]
        self.weights: dict[Codes, Number] = {}
        self.prefs, starts = prep.prefs, prep.starts
        # The papers of each group not yet at its end: ``waiting[c]`` those stopped at
        # the hopeful c (offsets just past c); ``blocked[k]`` those stopped at the k-th
        # equal-ranked level (offsets at the level).
        self.waiting: list[dict[Codes, Papers]] = [{} for _ in range(prep.n)]
        self.blocked: dict[int, dict[Codes, Papers]] = {}
        self._walk((), starts, list(prep.weights))

    def moved_on(self, changed: Sequence[int]) -> None:
        """Regroup the ballots stopped at ``changed``, candidates no longer hopeful."""
        status = self.status
        self.alive = [s != EXCLUDED for s in status]
        for c in changed:
            kept = status[c] == ELECTED  # an elected candidate stays in the groups' rankings
            moving = [(key, key if kept else key[:-1], p) for key, p in self.waiting[c].items()]
            self.waiting[c] = {}
            if status[c] == EXCLUDED:
                for k, members in enumerate(self.prep.equal):
                    if c in members and k in self.blocked:
                        moving.extend((key, key, p) for key, p in self.blocked.pop(k).items())
            for key, prefix, (offsets, weights) in moving:
                left = self.weights[key] - sum(weights)
                if left:
                    self.weights[key] = left
                else:
                    del self.weights[key]
                self._walk(prefix, offsets, weights)

    def _walk(self, prefix: Codes, offsets: Sequence[int], weights: Sequence[Number]) -> None:
        """File each paper under its group, walking its ranking on from its offset."""
        prefs, status, n = self.prefs, self.status, self.prep.n
        groups, waiting = self.weights, self.waiting
        direct: dict[int, Codes] = {}  # the group of a paper whose next code is hopeful c
        for at, weight in zip(offsets, weights, strict=True):
            x = prefs[at]
            if 0 <= x < n and status[x] == HOPEFUL:
                key = direct.get(x)
                if key is None:
                    key = direct[x] = (*prefix, x)
                stop, at = x, at + 1
            else:
                key, stop, at = self._walk_one(prefix, at)
            groups[key] = groups.get(key, 0) + weight
            if stop == END:
                continue
            if stop < n:
                papers = waiting[stop].get(key)
                if papers is None:
                    papers = waiting[stop][key] = ([], [])
            else:
                papers = self.blocked.setdefault(stop - n, {}).setdefault(key, ([], []))
            papers[0].append(at)
            papers[1].append(weight)

    def _walk_one(self, prefix: Codes, at: int) -> tuple[Codes, int, int]:
        """The group of the paper at offset ``at``, where it stops (a hopeful candidate, an
        equal level's code, or END) and the offset it resumes from."""
        prefs, status, n, equal = self.prefs, self.status, self.prep.n, self.prep.equal
        seq = list(prefix)
        while True:
            x = prefs[at]
            if x == END:
                return tuple(seq), END, at
            if x >= n:
                found = resolve_equal(equal[x - n], self.alive)
                if found == -2:
                    return tuple(seq), x, at
                at += 1
                if found == -1:
                    continue
                x = found
            else:
                at += 1
            if status[x] == EXCLUDED or x in seq:  # plain .blt lines may repeat a candidate
                continue
            seq.append(x)
            if status[x] == HOPEFUL:
                return tuple(seq), x, at
