"""The ERS ``.blt`` ballot format: read leniently and fast, write plainly.

    4 2                  candidates, seats
    -3                   optional: withdrawn candidates, as negative ids
    12 1 2 4 0           weight, preferences (1-based ids), 0 ends the ballot
    3 2=4 1 0            "=" ranks candidates equal
    0                    end of ballots
    "Ann Adams"          one name per candidate, quoted or not
    "Ward 1"             the title (optional)

Also accepted: ``#`` comments, blank lines, an optional ``(id)`` before the
weight, decimal or ``p/q`` weights, a missing final ``0`` on a ballot line, a
missing trailing newline, several quoted names on one line, Windows line ends.
A line ends at ``\\n``, ``\\r\\n`` or ``\\r``.

How a million-line file is read quickly: the file is read as bytes and its
lines counted (identical lines are read once: a raw export of a million
ballots has a few hundred thousand distinct lines at most), a block at a time
so that the million line objects never exist together; the distinct lines are
read into a :class:`Profile`, identical rankings added up.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from ballotbox.core.counting.bltlines import PlainLines, ballot_line, plain_rest, strip
from ballotbox.core.counting.model import CountInput, Level, Number, Ranking, number_str
from ballotbox.core.counting.profile import END, Codes, Profile
from ballotbox.core.counting.weights import shown
from ballotbox.core.errors import FileFormatError, InputError

_QUOTED = re.compile(r'"([^"]*)"')
_BLOCK = 1 << 20  # bytes of lines counted at a time
_LINES = 4096  # ballot lines written at a time
MAX_CANDIDATES = 10_000


def read_blt(text: str | bytes, source: str = "input") -> CountInput:
    """Parse a ``.blt`` file's text (or bytes); a bad file raises FileFormatError with the line."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    n, seats, withdrawn, start, first = _header(raw, source)
    plain = PlainLines(n)
    rests, lenient = _read_lines(raw, start, plain)
    end = _end_of_ballots(raw, start, lenient)
    if end < 0:
        last = first + len(raw[start:].splitlines()) - 1
        raise FileFormatError(
            "expected a line “0” ending the ballots, found none", source=source, line=last
        )
    after = raw[end:].splitlines()
    for extra, times in Counter(after).items():  # the "0", the names: not ballots
        split = plain.split(extra)
        if split is None:
            lenient[extra] -= times
        else:
            rests[split[1]] -= split[0] * times
    try:
        ballots = _profile(rests, lenient, plain)
    except _Problem as problem:
        line = first + problem.find(raw[start:].splitlines())
        raise FileFormatError(str(problem), source=source, line=line) from None
    try:
        names, title = _names(after[1:], n)
    except FileFormatError as error:
        line = first + raw.count(b"\n", start, end) + raw.count(b"\r", start, end)
        line -= raw.count(b"\r\n", start, end)  # the line number of the "0"
        within = len(after) - 1 if error.line is None else error.line
        raise FileFormatError(error.problem, source=source, line=line + within) from None
    return CountInput(
        candidates=names, seats=seats, ballots=ballots, withdrawn=withdrawn, title=title
    )


class _Problem(ValueError):
    """A bad ballot line (or a bad rest of a plain line), found before its line number."""

    def __init__(self, problem: str, line: bytes = b"", rest: bytes = b"") -> None:
        super().__init__(problem)
        self.line = line
        self.rest = rest

    def find(self, lines: list[bytes]) -> int:
        """The index of the first of ``lines`` that is the bad line."""
        if self.line:
            return lines.index(self.line)
        rests = (i for i, line in enumerate(lines) if line.partition(b" ")[2] == self.rest)
        return next(rests, 0)


def _lines(raw: bytes, at: int) -> tuple[bytes, int]:
    """The line starting at offset ``at`` and the offset of the next one."""
    newline = raw.find(b"\n", at)
    stop = len(raw) if newline < 0 else newline
    cr = raw.find(b"\r", at, stop)
    if cr >= 0:
        return raw[at:cr], cr + 2 if raw[cr + 1 : cr + 2] == b"\n" else cr + 1
    return raw[at:stop], stop + 1 if newline >= 0 else stop


def _header(raw: bytes, source: str) -> tuple[int, int, frozenset[int], int, int]:
    """Candidates, seats, withdrawn, and the offset and line number where the ballots start."""
    at, number = 0, 1
    line = b""
    while at < len(raw):
        line, after = _lines(raw, at)
        if strip(line.decode("utf-8", "replace")):
            break
        at, number = after, number + 1
    else:
        raise FileFormatError("the file is empty; expected “candidates seats”", source=source)
    text = line.decode("utf-8", "replace")
    header = strip(text).split()
    if len(header) != 2 or not all(t.isascii() and t.isdigit() and len(t) <= 9 for t in header):
        raise FileFormatError(
            f"expected “number-of-candidates number-of-seats”, found “{shown(text.strip(), 40)}”",
            source=source,
            line=number,
        )
    n, seats = int(header[0]), int(header[1])
    if n < 1 or seats < 1:
        raise FileFormatError(
            "expected at least one candidate and one seat", source=source, line=number
        )
    if n > MAX_CANDIDATES:
        raise FileFormatError(
            f"expected at most {MAX_CANDIDATES:,} candidates, found {n:,}",
            source=source,
            line=number,
        )
    at, number = after, number + 1
    while at < len(raw):  # blank lines, then perhaps the withdrawn candidates
        line, after = _lines(raw, at)
        text = strip(line.decode("utf-8", "replace"))
        if text:
            break
        at, number = after, number + 1
    else:
        return n, seats, frozenset(), at, number
    withdrawn: set[int] = set()
    if text.startswith("-"):
        for token in text.split():
            digits = token[1:]
            if not (
                token.startswith("-")
                and digits.isascii()
                and digits.isdigit()
                and len(digits) <= 9
                and 1 <= int(digits) <= n
            ):
                raise FileFormatError(
                    f"expected withdrawn candidates as -1 to -{n}, found “{shown(token)}”",
                    source=source,
                    line=number,
                )
            withdrawn.add(int(digits) - 1)
        at, number = after, number + 1
    return n, seats, frozenset(withdrawn), at, number


def _read_lines(
    raw: bytes, start: int, plain: PlainLines
) -> tuple[dict[bytes, Number], dict[bytes, int]]:
    """The weight of each plain rest from ``start`` on, and the other lines with their counts.

    Lines are counted a block at a time, so that a million line objects never
    exist at once; identical lines are looked at once.
    """
    counts: Counter[bytes] = Counter()
    at = start
    while at < len(raw):
        cut = raw.find(b"\n", at + _BLOCK)
        cut = len(raw) if cut < 0 else cut + 1
        counts.update(raw[at:cut].splitlines())
        at = cut
    return plain.sort(counts)


def _end_of_ballots(raw: bytes, start: int, lenient: dict[bytes, int]) -> int:
    """Offset of the first line from ``start`` that is just "0" (ending the ballots); -1 if none."""
    ends = [line for line in lenient if _is_end(line)]
    if len(ends) == 1 and lenient[ends[0]] == 1:  # the usual case: found from the back
        return _find_line(raw, start, ends[0], backwards=True)
    found = [_find_line(raw, start, line) for line in ends]
    return min(found, default=-1)


def _is_end(line: bytes) -> bool:
    return len(line) < 4096 and strip(line.decode("utf-8", "replace")) == "0"


def _find_line(raw: bytes, start: int, line: bytes, backwards: bool = False) -> int:
    """Offset of the first (or last) line from ``start`` on that is exactly ``line``."""
    hits = []
    if raw.startswith(line, start) and raw[start + len(line) : start + len(line) + 1] in (
        b"",
        b"\n",
        b"\r",
    ):
        hits.append(start)
    search = raw.rfind if backwards else raw.find
    ends = (b"\n", b"\r") if raw.find(b"\r", start) >= 0 else (b"\n",)
    for before in ends:
        if raw.endswith(before + line) and len(raw) - len(line) > start:
            hits.append(len(raw) - len(line))
        for after in ends:
            where = search(before + line + after, start)
            if where >= 0:
                hits.append(where + 1)
    if not hits:
        return -1
    return max(hits) if backwards else min(hits)


def _profile(rests: dict[bytes, Number], lenient: dict[bytes, int], plain: PlainLines) -> Profile:
    """The ballots: the plain rests' rankings, with the lenient lines' added to them."""
    n = plain.n
    levels: dict[Level, int] = {}
    special: dict[Codes, Number] = {}  # rankings with equal levels, which have no plain rest

    def add(ranking: Ranking, weight: Number) -> None:
        rest = plain_rest(ranking)
        if rest is not None:
            rests[rest] = rests.get(rest, 0) + weight
            return
        codes = tuple(
            level[0] if len(level) == 1 else n + levels.setdefault(level, len(levels))
            for level in ranking
        )
        special[codes] = special.get(codes, 0) + weight

    for line, times in lenient.items():
        text = line.decode("utf-8", "replace")
        if times <= 0 or not strip(text):
            continue  # after the ballots, blank, or only a comment
        try:
            ranking, weight = ballot_line(text, n)
            plain.admit(weight)
        except ValueError as error:
            raise _Problem(str(error), line=line) from None
        add(ranking, weight * times)
    kept = _weighed(rests)
    laid = plain.codes(kept, n + len(levels))
    if laid is None:  # some rest is not plain after all (odd spacing, a bad number...)
        for rest in [rest for rest in kept if not plain.is_plain(rest)]:
            weight = rests.pop(rest)
            try:
                ranking, _one = ballot_line("1 " + rest.decode("utf-8", "replace"), n)
            except ValueError as error:
                raise _Problem(str(error), rest=rest) from None
            add(ranking, weight)
        kept = _weighed(rests)
        laid = plain.codes(kept, n + len(levels))
        assert laid is not None  # every rest left was written by plain_rest or checked
    prefs, starts = laid
    weights = list(rests.values()) if len(kept) == len(rests) else [rests[r] for r in kept]
    for codes, weight in special.items():
        if weight:
            starts.append(len(prefs))
            prefs.extend(codes)
            prefs.append(END)
            weights.append(weight)
    return Profile(n, prefs, starts, weights, list(levels))


def _weighed(rests: dict[bytes, Number]) -> list[bytes]:
    """The rests with a weight (all of them, as a rule: a weight of 0 is rare)."""
    if 0 in rests.values():
        return [rest for rest, weight in rests.items() if weight]
    return list(rests)


def _names(lines: list[bytes], n: int) -> tuple[list[str], str]:
    """Names and title from the lines after the ballots; errors give the line within them."""
    found: list[tuple[str, int]] = []
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8", "surrogatepass").strip()
        except UnicodeDecodeError:
            raise FileFormatError("expected UTF-8 text", line=number) from None
        if not text or text.startswith("#"):
            continue
        if text.startswith('"'):
            quoted = _QUOTED.findall(text)
            if not quoted or text.count('"') % 2:
                raise FileFormatError(
                    f"expected a name in double quotes, found {shown(text, 60)}", line=number
                )
            found.extend((name.strip(), number) for name in quoted)
        else:
            found.append((text, number))
    if len(found) < n:
        raise FileFormatError(f"expected {n} candidate names after the ballots, found {len(found)}")
    if len(found) > n + 1:
        extra, line = found[n + 1]
        raise FileFormatError(
            f"expected nothing after the title, found “{shown(extra, 60)}”", line=line
        )
    names = [name for name, _line in found[:n]]
    title = found[n][0] if len(found) > n else ""
    return names, title


def write_blt(data: CountInput) -> str:
    """The ballots as ``.blt`` text, names and title quoted, one line per distinct ballot."""
    return "".join(blt_pieces(data))


def blt_pieces(data: CountInput) -> Iterator[str]:
    """:func:`write_blt`'s text a few thousand lines at a time (a large file need not be held
    whole to be hashed); InputError, before any text, for a name the format cannot hold."""
    for name in [*data.candidates, data.title]:
        if '"' in name:
            raise InputError(
                "A name containing a double quote cannot be written to a .blt file: {name}",
                name=name,
            )
    head = [f"{len(data.candidates)} {data.seats}"]
    if data.withdrawn:
        head.append(" ".join(f"-{c + 1}" for c in sorted(data.withdrawn)))
    yield "\n".join(head) + "\n"
    ballots = data.ballots
    if isinstance(ballots, Profile) and not ballots.levels:
        lines = _profile_lines(ballots)
    else:
        lines = (_ballot_line(ranking, weight) for ranking, weight in ballots)
    while piece := list(islice(lines, _LINES)):
        yield "\n".join(piece) + "\n"
    tail = ["0", *(f'"{name}"' for name in data.candidates), f'"{data.title}"']
    yield "\n".join(tail) + "\n"


def _ballot_line(ranking: Ranking, weight: Number) -> str:
    """One ballot line: the weight, each level's candidates joined by "=", then 0."""
    prefs = " ".join("=".join(str(c + 1) for c in level) for level in ranking)
    return f"{number_str(weight)} {prefs} 0" if prefs else f"{number_str(weight)} 0"


def _profile_lines(profile: Profile) -> Iterator[str]:
    """The ballot lines of a profile without equal levels, read straight from its codes (the
    lines :func:`_ballot_line` writes for its rankings, with no tuple built for each)."""
    label = [str(c + 1) for c in range(profile.n)]
    prefs, index = profile.prefs, profile.prefs.index
    for start, weight in zip(profile.starts, profile.weights, strict=True):
        codes = prefs[start : index(END, start)]
        if len(set(codes)) != len(codes):  # a plain line may repeat a candidate: the first counts
            codes = list(dict.fromkeys(codes))
        if codes:
            yield f"{number_str(weight)} {' '.join(map(label.__getitem__, codes))} 0"
        else:
            yield f"{number_str(weight)} 0"
