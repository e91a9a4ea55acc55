"""The distinct rankings of ballots.csv, counted in memory that does not grow with them.

A million ballots hold some hundred thousand distinct rankings in a contest.
Held as Python objects (the cell's bytes, a dictionary entry, a tuple of
ints, the count input's tuples) each cost some 500 bytes, and the
verifier's peak memory grew with them.  Instead, a batch of rows at a time,
each distinct cell becomes its candidates' ids, one byte each in preference
order (:func:`encode`), and those byte strings are added up in a temporary
SQLite database (:class:`RankingTally`) whose pages live in a small cache and
spill to a file SQLite deletes when it is closed.  Read back in byte order,
they are laid end to end into the engine's flat profile
(``counting.profile.from_id_bytes``): arrays of codes, starts and weights,
about twenty bytes a ranking.

Ids rise with candidate numbers, so byte order is the order in which
``contests.grouped_input`` sorts the rankings: the recount and the .blt file
rendered from the profile are those of the tally, byte for byte.

Only *plain* cells take this path: candidate numbers of the contest written as
the bundle writes them, separated by spaces, none twice, in a contest of at
most ``MAX_BYTE_CANDIDATES`` candidates, under the header election.json asks
for.  A bundle with any other cell is counted the exact way instead
(``verify_checks.parse_cells``), which names what is wrong.
Pure: standard library only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from ballotbox.core import contests
from ballotbox.core.audit.bundle import ballots_header
from ballotbox.core.counting import CountInput
from ballotbox.core.counting.profile import MAX_BYTE_CANDIDATES, from_id_bytes

#: Bytes a cell's tokens map to that are no candidate: the end of a cell, and an empty
#: token (two spaces, or a space at either end, as ``str.split`` ignores them).
_CELL, _GAP = 0xFF, 0xFE
#: The SQLite page cache, in KiB: the part of the tally held in memory.
CACHE_KIB = 1024
#: Rankings read back from the tally at a time.
_CHUNK = 4096

_UPSERT = (
    "INSERT INTO rankings VALUES (?, ?, ?) "
    "ON CONFLICT (contest, ranking) DO UPDATE SET ballots = ballots + excluded.ballots"
)


@dataclass(frozen=True, slots=True)
class PlainCells:
    """What a plain ballots.csv looks like: its header, and per contest column the id of
    each candidate number as written (``b"12"``)."""

    header: list[str]
    tables: list[dict[bytes, int]]


def plain_cells(definition: Mapping[str, Any]) -> PlainCells | None:
    """The plain form of ballots.csv for this definition; None if a contest cannot take the
    compact path (too many candidates) or the definition is too malformed to say."""
    try:
        tables = []
        for contest in contests.contests(definition):
            ids = contests.candidate_ids(contest)
            if len(contests.candidates(contest)) > MAX_BYTE_CANDIDATES:
                return None
            table = {str(int(number)).encode(): i for number, i in ids.items()}
            table[b"\n"], table[b""] = _CELL, _GAP
            tables.append(table)
        return PlainCells(ballots_header(dict(definition)), tables)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def encode(cells: list[bytes], table: Mapping[bytes, int]) -> list[bytes] | None:
    """Each cell as the bytes of its candidates' ids in order (b"" for a blank cell); None if
    any cell is not plain (a token that is no candidate number, or a candidate twice)."""
    if not cells:
        return []
    tokens = b" \n ".join(cells).split(b" ")
    try:
        ids = bytes(map(table.__getitem__, tokens))
    except KeyError:
        return None
    rankings = ids.replace(bytes([_GAP]), b"").split(bytes([_CELL]))
    if any(len(set(ranking)) != len(ranking) for ranking in rankings):
        return None
    return rankings


class RankingTally:
    """Per contest, each distinct ranking (bytes of ids) and how many ballots hold it.

    A private temporary SQLite database: a page cache of ``CACHE_KIB`` in
    memory, the rest in a temporary file, deleted when the tally is closed.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)  # "": private and temporary
        for pragma in (f"cache_size = -{CACHE_KIB}", "journal_mode = OFF", "synchronous = OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE rankings (contest INTEGER, ranking BLOB, ballots INTEGER NOT NULL, "
            "PRIMARY KEY (contest, ranking)) WITHOUT ROWID"
        )
        self._db.execute("BEGIN")

    def add(self, contest: int, rankings: Sequence[bytes], ballots: Collection[int]) -> None:
        """Add ``ballots[i]`` ballots holding ``rankings[i]`` to contest number ``contest``."""
        if len(rankings) != len(ballots):
            raise ValueError("a count for every ranking")
        self._db.executemany(_UPSERT, zip(repeat(contest), rankings, ballots, strict=False))

    def blank(self, contest: int) -> int:
        """How many ballots left contest number ``contest`` blank."""
        found = self._db.execute(
            "SELECT ballots FROM rankings WHERE contest = ? AND ranking = x''", (contest,)
        ).fetchone()
        return int(found[0]) if found else 0

    def rankings(self, contest: int) -> Iterator[list[tuple[bytes, int]]]:
        """The contest's non-blank rankings with their ballots, in byte order, a chunk at a time."""
        cursor = self._db.execute(
            "SELECT ranking, ballots FROM rankings WHERE contest = ? AND ranking > x'' "
            "ORDER BY ranking",
            (contest,),
        )
        while chunk := cursor.fetchmany(_CHUNK):
            yield chunk

    def close(self) -> None:
        """Drop the database and its file."""
        self._db.close()


def tally_inputs(
    definition: Mapping[str, Any], tally: RankingTally
) -> tuple[dict[str, CountInput], dict[str, int]]:
    """Contest key → the count input (its ballots a flat profile), and key → blank ballots."""
    inputs: dict[str, CountInput] = {}
    blank: dict[str, int] = {}
    for index, contest in enumerate(contests.contests(definition)):
        key = str(contest["key"])
        n = len(contests.candidates(contest))
        blank[key] = tally.blank(index)
        inputs[key] = contests.contest_input(contest, from_id_bytes(n, tally.rankings(index)))
    return inputs, blank
