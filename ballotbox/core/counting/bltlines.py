"""``.blt`` ballot lines: the quick reading of plain lines, and the lenient one.

A plain line is what exports write: ``weight id id ... 0``, single spaces,
every id a candidate number written plainly.  What follows the weight (the
*rest*, ``b"3 1 2 0"``) names the ranking, so identical rankings are added up
by their rest, and all the distinct rests of a file are turned into codes
together (:meth:`PlainLines.codes`: one join, one split, one dictionary lookup
per token), with no Python work per line.  Anything else (comments, ``=``,
``-``, a ballot id, a missing final ``0``, odd spacing, a bad token) goes to
:func:`ballot_line`, which accepts every lenient form and otherwise says
exactly what it expected; its ranking is then written back as a plain rest
(:func:`plain_rest`), so the two readings of the same ranking add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import repeat

from ballotbox.core.counting.model import Level, Number, Ranking
from ballotbox.core.counting.profile import END
from ballotbox.core.counting.weights import common_denominator, parse_weight, shown

_BATCH = 1 << 16  # rests turned into codes at a time (bounds the token objects alive at once)
_BAD = END - 1  # the code of a token that is not a candidate's number


def strip(line: str) -> str:
    """The line without its comment and surrounding space."""
    if "#" in line:
        line = line.split("#", 1)[0]
    return line.strip()


class PlainLines:
    """Reads the plain ballot lines of an election with ``n`` candidates."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._table = {str(c + 1).encode(): c for c in range(n)}
        self._table[b"0"] = END
        self._weights: dict[bytes, Number | None] = {}
        self._common = 1

    def admit(self, weight: Number) -> None:
        """Check that ``weight`` keeps the file's common denominator countable (ValueError)."""
        self._common = common_denominator(self._common, weight)

    def weight(self, token: bytes) -> Number | None:
        """The weight a token writes (each distinct token parsed once); None if not a weight."""
        try:
            return self._weights[token]
        except KeyError:
            pass
        value: Number | None = None  # None: the lenient reading will say what is wrong
        try:
            parsed = parse_weight(token.decode("ascii"))
            self.admit(parsed)
            value = parsed
        except (ValueError, UnicodeDecodeError):
            pass
        self._weights[token] = value
        return value

    def split(self, line: bytes) -> tuple[Number, bytes] | None:
        """(weight, rest) of a line that may be plain; None if it is surely not."""
        token, _, rest = line.partition(b" ")
        if token == b"0" or not rest:
            return None  # "0 # end" ends the ballots; and a weight of 0 changes nothing
        weight = self._weights.get(token)
        if weight is None and token not in self._weights:
            weight = self.weight(token)
        return None if weight is None else (weight, rest)

    def sort(self, counts: Mapping[bytes, int]) -> tuple[dict[bytes, Number], dict[bytes, int]]:
        """The total weight of each rest of the lines that may be plain (see :meth:`split`),
        and the other lines with their counts.  (The loop is :meth:`split` written out: it
        runs once per distinct line.)"""
        rests: dict[bytes, Number] = {}
        others: dict[bytes, int] = {}
        known, get = self._weights.get, rests.get
        for line, times in counts.items():
            token, _, rest = line.partition(b" ")
            weight = known(token)
            if weight is None or token == b"0" or not rest:
                found = self.split(line)
                if found is None:
                    others[line] = times
                    continue
                weight = found[0]
            rests[rest] = get(rest, 0) + weight * times
        return rests, others

    def codes(self, rests: Sequence[bytes]) -> tuple[list[int], list[int]] | None:
        """All the rests as codes laid end to end, and where each starts; None if one is bad."""
        if not rests:
            return [], []
        prefs: list[int] = []
        get, bad = self._table.get, repeat(_BAD)
        for at in range(0, len(rests), _BATCH):
            prefs.extend(map(get, b" ".join(rests[at : at + _BATCH]).split(b" "), bad))
        if min(prefs) == _BAD or prefs.count(END) != len(rests):
            return None  # a token that is no candidate's number, or a 0 too many
        # Each rest must end with its 0, so that no 0 ends a rest early (the one 0 in
        # "3 0 5" would end it before 5): its ENDs are then exactly the rests' ends.
        lines = b"\n" + b"\n".join(rests) + b"\n"
        if lines.count(b" 0\n") + lines.count(b"\n0\n") != len(rests):
            return None
        starts = []
        at, index = 0, prefs.index
        for _ in range(len(rests)):
            starts.append(at)
            at = index(END, at) + 1
        return prefs, starts

    def is_plain(self, rest: bytes) -> bool:
        """Whether one rest is plain: candidate numbers, single spaces, a final 0 only."""
        tokens = rest.split(b" ")
        codes = [self._table.get(t) for t in tokens]
        return None not in codes and codes.count(END) == 1 and codes[-1] == END


def plain_rest(ranking: Ranking) -> bytes | None:
    """The plain rest that writes ``ranking``; None if it ranks some candidates equal."""
    if any(len(level) != 1 for level in ranking):
        return None
    return b" ".join([str(level[0] + 1).encode() for level in ranking] + [b"0"])


def ballot_line(text: str, n: int) -> tuple[Ranking, Number]:
    """The ranking and weight of one ballot line, read leniently; ValueError says what is wrong."""
    tokens = strip(text).split()
    if tokens and tokens[0].startswith("("):
        tokens = tokens[1:]  # an optional ballot id, "(17)"
    if not tokens:
        raise ValueError("expected a ballot line: a weight, preferences and 0")
    weight = parse_weight(tokens[0])
    levels: list[Level] = []
    seen: set[int] = set()
    ended = False
    for item in tokens[1:]:
        if ended:
            raise ValueError(f"expected the end of the line after 0, found “{shown(item)}”")
        if item == "0":
            ended = True
            continue
        if item == "-":
            continue  # a skipped preference
        level: list[int] = []
        for part in item.split("="):
            if not (part.isascii() and part.isdigit() and len(part) <= 9 and 1 <= int(part) <= n):
                raise ValueError(
                    f"expected a candidate number from 1 to {n} (or 0 to end), "
                    f"found “{shown(item)}”"
                )
            c = int(part) - 1
            if c not in seen:  # a repeated candidate keeps its first place only
                seen.add(c)
                level.append(c)
        if level:
            levels.append(tuple(level))
    return tuple(levels), weight
