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

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import overload

from ballotbox.core.counting.model import Level, Number, Ranking

#: The code that ends every ranking.  ``-1`` so that ``table[END]`` is a table's last entry.
END = -1
Codes = tuple[int, ...]
#: Candidates a ranking written as bytes of ids may have (:func:`from_id_bytes`): every id and
#: END (byte 255, read as -1) fit an array of signed bytes.
MAX_BYTE_CANDIDATES = 127


class Profile(Sequence[tuple[Ranking, Number]]):
    """Distinct rankings laid end to end as codes, their total weights, the equal levels."""

    __slots__ = ("n", "prefs", "starts", "weights", "levels")

    def __init__(
        self,
        n: int,
        prefs: Sequence[int],
        starts: Sequence[int],
        weights: Sequence[Number],
        levels: Sequence[Level],
    ) -> None:
        self.n = n
        #: Every ranking's codes, each ranking ending with END (a list, or an array of bytes).
        self.prefs = prefs
        #: Where each ranking starts in ``prefs`` (a list, or an array).
        self.starts = starts
        #: The total weight of each ranking (parallel to ``starts``; a list, or an array).
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


def from_id_bytes(n: int, chunks: Iterable[Sequence[tuple[bytes, int]]]) -> Profile:
    """A profile of distinct rankings, each written as bytes of candidate ids, with its weight.

    Each ranking is its candidates' ids in preference order, one byte each
    (so ``n`` is at most :data:`MAX_BYTE_CANDIDATES`), none repeated, none
    ranked equal; they are laid end to end as given, a chunk at a time, into
    arrays: about a dozen bytes a ranking and no Python object for any of them.
    """
    if n > MAX_BYTE_CANDIDATES:
        raise ValueError(f"{n} candidates do not fit one byte each")
    prefs = array("b")
    starts = array("I")
    weights = array("Q")
    at = 0
    for chunk in chunks:
        rankings = [ranking for ranking, _weight in chunk]
        prefs.frombytes(b"\xff".join([*rankings, b""]))  # byte 255 is END (-1) as a signed byte
        ends = list(accumulate([len(ranking) + 1 for ranking in rankings], initial=at))
        at = ends.pop()
        starts.extend(ends)
        weights.extend([weight for _ranking, weight in chunk])
    return Profile(n, prefs, starts, weights, ())
