"""The ERS ``.blt`` ballot format: read leniently, write plainly.

    4 2                  candidates, seats
    -3                   optional: withdrawn candidates, as negative ids
    12 1 2 4 0           weight, preferences (1-based ids), 0 ends the ballot
    3 2=4 1 0            "=" ranks candidates equal
    0                    end of ballots
    "Ann Adams"          one name per candidate, quoted or not
    "Ward 1"             the title (optional)

Also accepted: ``#`` comments, blank lines, an optional ``(id)`` before the
weight, decimal or ``p/q`` weights, a missing final ``0`` on a ballot line, a
missing trailing newline, several quoted names on one line.  Identical ballot
lines are parsed once, which makes a million-line file quick to read.
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction

from ballotbox.core.counting.model import CountInput, Level, Number, Ranking, number_str
from ballotbox.core.errors import FileFormatError, InputError

_QUOTED = re.compile(r'"([^"]*)"')


def _strip(line: str) -> str:
    """The line without its comment and surrounding space."""
    if "#" in line:
        line = line.split("#", 1)[0]
    return line.strip()


def _weight(token: str, source: str, line: int) -> Number:
    try:
        value = Fraction(token)
    except (ValueError, ZeroDivisionError):
        raise FileFormatError(
            f"expected a ballot weight (a number), found “{token}”", source=source, line=line
        ) from None
    if value < 0:
        raise FileFormatError(
            f"a ballot weight cannot be negative (“{token}”)", source=source, line=line
        )
    return value.numerator if value.denominator == 1 else value


def _ballot(text: str, n: int, source: str, line: int) -> tuple[Ranking, Number]:
    tokens = _strip(text).split()
    if len(tokens) > 1 and tokens[-1] == "0" and tokens[0].isdigit():
        try:  # the common case: "weight id id ... 0", all plain numbers, none repeated
            ids = [int(t) for t in tokens[1:-1]]
        except ValueError:
            ids = []
        if ids and 0 < min(ids) and max(ids) <= n and len(set(ids)) == len(ids):
            return tuple((c - 1,) for c in ids), int(tokens[0])
    if tokens and tokens[0].startswith("("):
        tokens = tokens[1:]  # an optional ballot id, "(17)"
    if not tokens:
        raise FileFormatError(
            "expected a ballot line: a weight, preferences and 0", source=source, line=line
        )
    weight = _weight(tokens[0], source, line)
    levels: list[Level] = []
    seen: set[int] = set()
    ended = False
    for item in tokens[1:]:
        if ended:
            raise FileFormatError(
                f"expected the end of the line after 0, found “{item}”", source=source, line=line
            )
        if item == "0":
            ended = True
            continue
        if item == "-":
            continue  # a skipped preference
        level: list[int] = []
        for part in item.split("="):
            if not part.isdigit() or not 1 <= int(part) <= n:
                raise FileFormatError(
                    f"expected a candidate number from 1 to {n} (or 0 to end), found “{item}”",
                    source=source,
                    line=line,
                )
            c = int(part) - 1
            if c not in seen:  # a repeated candidate keeps its first place only
                seen.add(c)
                level.append(c)
        if level:
            levels.append(tuple(level))
    return tuple(levels), weight


def read_blt(text: str, source: str = "input") -> CountInput:
    """Parse a ``.blt`` file's text; a bad file raises FileFormatError with the line."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not _strip(lines[i]):
        i += 1
    if i == len(lines):
        raise FileFormatError("the file is empty; expected “candidates seats”", source=source)
    header = _strip(lines[i]).split()
    if len(header) != 2 or not all(t.isdigit() for t in header):
        raise FileFormatError(
            f"expected “number-of-candidates number-of-seats”, found “{lines[i].strip()}”",
            source=source,
            line=i + 1,
        )
    n, seats = int(header[0]), int(header[1])
    if n < 1 or seats < 1:
        raise FileFormatError(
            "expected at least one candidate and one seat", source=source, line=i + 1
        )
    i += 1
    withdrawn: set[int] = set()
    while i < len(lines) and not _strip(lines[i]):
        i += 1
    if i < len(lines) and _strip(lines[i]).startswith("-"):
        for token in _strip(lines[i]).split():
            if not (token.startswith("-") and token[1:].isdigit() and 1 <= int(token[1:]) <= n):
                raise FileFormatError(
                    f"expected withdrawn candidates as -1 to -{n}, found “{token}”",
                    source=source,
                    line=i + 1,
                )
            withdrawn.add(int(token[1:]) - 1)
        i += 1
    start = i
    counts = Counter(lines[start:])
    ends = [line for line in counts if _strip(line) == "0"]
    if not ends:
        raise FileFormatError(
            "expected a line “0” ending the ballots, found none", source=source, line=len(lines)
        )
    end = min(lines.index(line, start) for line in ends)
    counts.subtract(lines[end:])
    ballots: dict[Ranking, Number] = {}
    for line, times in counts.items():
        if times <= 0 or not _strip(line):
            continue
        try:
            ranking, weight = _ballot(line, n, source, 0)
        except FileFormatError as error:
            raise FileFormatError(
                error.problem, source=source, line=lines.index(line, start) + 1
            ) from None
        ballots[ranking] = ballots.get(ranking, 0) + weight * times
    names, title = _names(lines, end + 1, n, source)
    return CountInput(
        candidates=names,
        seats=seats,
        ballots=[(r, w) for r, w in ballots.items() if w],
        withdrawn=frozenset(withdrawn),
        title=title,
    )


def _names(lines: list[str], start: int, n: int, source: str) -> tuple[list[str], str]:
    found: list[tuple[str, int]] = []
    for number in range(start, len(lines)):
        text = lines[number].strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith('"'):
            quoted = _QUOTED.findall(text)
            if not quoted or text.count('"') % 2:
                raise FileFormatError(
                    f"expected a name in double quotes, found {text}",
                    source=source,
                    line=number + 1,
                )
            found.extend((name.strip(), number + 1) for name in quoted)
        else:
            found.append((text, number + 1))
    if len(found) < n:
        raise FileFormatError(
            f"expected {n} candidate names after the ballots, found {len(found)}",
            source=source,
            line=len(lines),
        )
    if len(found) > n + 1:
        extra, line = found[n + 1]
        raise FileFormatError(
            f"expected nothing after the title, found “{extra}”", source=source, line=line
        )
    names = [name for name, _line in found[:n]]
    title = found[n][0] if len(found) > n else ""
    return names, title


def write_blt(data: CountInput) -> str:
    """The ballots as ``.blt`` text, names and title quoted, one line per distinct ballot."""
    for name in [*data.candidates, data.title]:
        if '"' in name:
            raise InputError(
                "A name containing a double quote cannot be written to a .blt file: {name}",
                name=name,
            )
    out = [f"{len(data.candidates)} {data.seats}"]
    if data.withdrawn:
        out.append(" ".join(f"-{c + 1}" for c in sorted(data.withdrawn)))
    for ranking, weight in data.ballots:
        prefs = " ".join("=".join(str(c + 1) for c in level) for level in ranking)
        out.append(f"{number_str(weight)} {prefs} 0" if prefs else f"{number_str(weight)} 0")
    out.append("0")
    out.extend(f'"{name}"' for name in data.candidates)
    out.append(f'"{data.title}"')
    return "\n".join(out) + "\n"
