"""A simple CSV of rankings: one column per candidate, one row per ballot.

    Ann,Bob,Cat,weight,college
    1,2,,3,members
    2,1,1,1,staff

A cell holds the rank the voter gave that candidate (1 = first); blank means
unranked; equal numbers rank candidates equal.  The optional ``weight`` (or
``count``) column repeats the row; the optional ``college`` column names the
ballot's electoral college.  For plurality, approval and referendum any
non-blank cell (e.g. ``x``) selects the candidate.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from ballotbox.core.counting.model import CountInput, Number, Ranking
from ballotbox.core.counting.weights import common_denominator, parse_fraction, parse_weight
from ballotbox.core.csvtext import rows as csv_rows
from ballotbox.core.errors import FileFormatError

_WEIGHT = {"weight", "count"}
_COLLEGE = {"college"}


def read_csv_rankings(
    text: str, seats: int = 1, source: str = "input", title: str = ""
) -> CountInput:
    """Parse a rankings CSV; a bad cell raises FileFormatError with its line."""
    rows = list(csv_rows(csv.reader(io.StringIO(text)), source))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FileFormatError("expected a header row of candidate names", source=source, line=1)
    header = [cell.strip() for cell in rows[0]]
    weight_col = next((i for i, h in enumerate(header) if h.lower() in _WEIGHT), None)
    college_col = next((i for i, h in enumerate(header) if h.lower() in _COLLEGE), None)
    columns = [i for i in range(len(header)) if i not in (weight_col, college_col)]
    names = [header[i] for i in columns]
    if any(not name for name in names) or len(set(names)) != len(names):
        raise FileFormatError(
            "expected distinct, non-empty candidate names in the header", source=source, line=1
        )
    ballots: list[tuple[Ranking, Number]] = []
    colleges: list[str] = []
    common = 1
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise FileFormatError(
                f"expected at most {len(header)} cells, found {len(row)}",
                source=source,
                line=number,
            )
        row = row + [""] * (len(header) - len(row))
        weight: Number = 1
        if weight_col is not None:
            weight = _weight(row[weight_col].strip() or "1", source, number)
            try:
                common = common_denominator(common, weight)
            except ValueError as error:
                raise FileFormatError(str(error), source=source, line=number) from None
        ranks: dict[Fraction, list[int]] = {}
        for c, col in enumerate(columns):
            cell = row[col].strip()
            if not cell:
                continue
            try:
                rank = (
                    parse_fraction(cell) if cell.lower() not in {"x", "yes", "✓"} else Fraction(1)
                )
            except ValueError:
                raise FileFormatError(
                    f"expected a rank number (or blank) for {names[c]}, found “{cell}”",
                    source=source,
                    line=number,
                ) from None
            if rank <= 0:
                raise FileFormatError(
                    f"expected a rank of 1 or more for {names[c]}, found “{cell}”",
                    source=source,
                    line=number,
                )
            ranks.setdefault(rank, []).append(c)
        ranking: Ranking = tuple(tuple(ranks[r]) for r in sorted(ranks))
        ballots.append((ranking, weight))
        colleges.append(row[college_col].strip() if college_col is not None else "")
    return CountInput(
        candidates=names,
        seats=seats,
        ballots=ballots,
        title=title,
        colleges=colleges if college_col is not None else None,
    )


def _weight(text: str, source: str, line: int) -> Number:
    try:
        return parse_weight(text)
    except ValueError as error:
        raise FileFormatError(str(error), source=source, line=line) from None
