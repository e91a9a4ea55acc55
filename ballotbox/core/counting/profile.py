"""A preference profile: the distinct rankings of an election and their total weights.

This is the form a ``.blt`` file is read into, and the form every count works
on.  A ranking is a run of *codes*: a code below ``n`` is one candidate;
``n + k`` is the k-th level of candidates ranked equal (``levels[k]``); every
ranking ends with :data:`END`.  The rankings lie end to end in one flat list
``prefs``, ``starts[i]`` being where the i-th begins, so a million ballots
with a hundred thousand distinct rankings are one list of small ints, and a
count moves a paper on by its offset in that list.

A :class:`Profile` is also a plain ``Sequence`` of ``(Ranking, weight)`` pairs,
so ``CountInput.ballots`` reads the same whichever way it was made.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from ballotbox.core.counting.model import Level, Number, Ranking

#: The code that ends every ranking.  ``-1`` so that ``table[END]`` is a table's last entry.
END = -1
Codes = tuple[int, ...]


class Profile(Sequence[tuple[Ranking, Number]]):
    """Distinct rankings laid end to end as codes, their total weights, the equal levels."""

    __slots__ = ("n", "prefs", "starts", "weights", "levels")

    def __init__(
        self,
        n: int,
        prefs: list[int],
        starts: list[int],
        weights: list[Number],
        levels: Sequence[Level],
    ) -> None:
        self.n = n
        #: Every ranking's codes, each ranking ending with END.
        self.prefs = prefs
        #: Where each ranking starts in ``prefs``.
        self.starts = starts
        #: The total weight of each ranking (parallel to ``starts``).
        self.weights = weights
        #: The levels of candidates ranked equal, in the order they were first met.
        self.levels = tuple(levels)

    def codes(self, i: int) -> Codes:
        """The i-th ranking's codes, END excluded."""
        start = self.starts[i]
        return tuple(self.prefs[start : self.prefs.index(END, start)])

    def ranking(self, i: int) -> Ranking:
        """The i-th ranking as levels of candidate ids (a repeated candidate counts once)."""
        n, levels = self.n, self.levels
        codes = dict.fromkeys(self.codes(i))  # plain lines are not checked for repeats
        return tuple((c,) if c < n else levels[c - n] for c in codes)

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, i: int) -> tuple[Ranking, Number]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[Ranking, Number]]: ...

    def __getitem__(self, i: int | slice) -> tuple[Ranking, Number] | list[tuple[Ranking, Number]]:
        if isinstance(i, slice):
            return [(self.ranking(j), self.weights[j]) for j in range(len(self.starts))[i]]
        if i < 0:
            i += len(self.starts)
        return self.ranking(i), self.weights[i]

    def __iter__(self) -> Iterator[tuple[Ranking, Number]]:
        return ((self.ranking(i), w) for i, w in enumerate(self.weights))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside, like a list

    def __repr__(self) -> str:
        return f"Profile({len(self.starts)} rankings over {self.n} candidates)"
