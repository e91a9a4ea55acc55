"""The verifier's single pass over ballots.csv, the token → vote list.

Per row it checks what only that row can show (the token's form and
checksum, the channel, a row blank in every contest, the order) and adds the
token's keyed hash to a multiset hash for the token-list check.  Per contest
column it counts each distinct ranking: the recount and the .blt check need the
distinct rankings with their weights, never a million separate ballots.  While
every cell is plain they go into a :class:`RankingTally` as bytes of candidate
ids, in memory that does not grow with them (``verify_rankings``); otherwise
each distinct cell is kept as written, to be parsed and checked once, and a
cell found not plain part way means a second reading that counts them so
(:func:`count_cells`).
Pure: standard library only.
"""

from __future__ import annotations

import csv
import hashlib
import operator
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from ballotbox.core.audit.bundle import BALLOTS_HEADER, CONTEST_COLUMN, BundleReadError
from ballotbox.core.audit.source import BundleSource
from ballotbox.core.audit.verify_rankings import PlainCells, RankingTally, encode
from ballotbox.core.audit.verify_scan import Fingerprint
from ballotbox.core.tokens.format import LENGTH
from ballotbox.core.vocabulary import CHANNELS

_CHANNELS = frozenset(c.encode() for c in CHANNELS)


@dataclass(slots=True)
class BallotScan:
    """ballots.csv read once."""

    header: list[str] = field(default_factory=list)
    #: The file's contest columns (its own header), or None for the one-contest form.
    columns: list[str] | None = None
    rows: int = 0
    #: Rows whose token is 20 digits with a valid checksum (in the fingerprint).
    well_formed: int = 0
    voted: tuple[int, int] = (0, 0)
    #: Problems a row shows by itself: checksum, channel, blank, used twice in a row.
    token_problems: list[str] = field(default_factory=list)
    channel_problems: list[str] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)
    unsorted_line: int | None = None
    #: Each column's distinct cells with how many rows hold them (the exact way).
    cells: list[Counter[bytes]] = field(default_factory=list)
    #: Each column's distinct rankings, while every cell is plain (the compact way).
    tally: RankingTally | None = None
    #: Whether every cell was plain: the tally holds every ballot, and choices are valid.
    plain: bool = False
    #: Whether a cell not plain turned up part way: ``cells`` needs a second reading.
    reread: bool = False
    #: Rows whose keyed token hash a receipt names: hash → (line, token, cells).
    receipt_rows: dict[bytes, tuple[int, str, list[bytes]]] = field(default_factory=dict)


def _header(line: bytes) -> tuple[list[str], list[str] | None]:
    """The header and the contest columns it names (None: ``token,channel,choices``)."""
    header = next(csv.reader([line.decode()]), [])
    columns = header[2:]
    several = (
        header[:2] == ["token", "channel"]
        and len(columns) >= 2
        and all(CONTEST_COLUMN.match(key) for key in columns)
        and len(set(columns)) == len(columns)
    )
    if several:
        return header, columns
    if header != BALLOTS_HEADER:
        raise BundleReadError(f"ballots.csv, line 1: header must be {','.join(BALLOTS_HEADER)}")
    return header, None


def scan_ballots(
    source: BundleSource,
    token_key: bytes,
    mset_key: bytes,
    watched: set[bytes],
    plain: PlainCells | None = None,
) -> BallotScan:
    """One pass over ballots.csv (watched: keyed token hashes whose rows receipts need; plain:
    the cells the compact way can take, None to count every cell as written)."""
    scan = BallotScan()
    try:
        _scan(scan, source, token_key, mset_key, watched, plain)
    except BaseException:
        _drop_tally(scan)
        raise
    scan.plain = scan.tally is not None
    return scan


def _scan(
    scan: BallotScan,
    source: BundleSource,
    token_key: bytes,
    mset_key: bytes,
    watched: set[bytes],
    plain: PlainCells | None,
) -> None:
    """The pass of :func:`scan_ballots`, filling ``scan``."""
    keyed = hashlib.blake2b(digest_size=32, key=token_key)
    voted = Fingerprint(mset_key)
    width = 0
    previous = b""
    line = 1
    blank_tail = b""
    for batch in source.lines("ballots.csv"):
        if not width:
            if not batch:
                continue
            scan.header, scan.columns = _header(batch.pop(0))
            width = len(scan.header)
            scan.tally = _tally(plain, scan.header)
            if scan.tally is None:
                scan.cells = [Counter() for _ in range(width - 2)]
            blank_tail = b"," * (width - 2)
        rows = _split(batch, line, scan.header)
        tokens = [row[0] for row in rows]
        if tokens and not (previous < tokens[0] and all(map(operator.lt, tokens, tokens[1:]))):
            _order(scan, [previous, *tokens], line)
        previous = tokens[-1] if tokens else previous
        good = [t for t in tokens if len(t) == LENGTH and t.isdigit() and int(t) % 97 == 1]
        if len(good) != len(tokens):
            scan.token_problems.extend(_malformed(tokens, line))
        hashes = []
        for token in good:
            h = keyed.copy()
            h.update(token)
            hashes.append(h.digest())
        voted.add(hashes)
        scan.well_formed += len(good)
        if watched:
            _keep_receipt_rows(scan, rows, keyed, watched, line)
        for channel in {row[1] for row in rows} - _CHANNELS:
            scan.channel_problems.extend(_bad_channel(rows, channel, line))
        _count(scan, rows, plain)
        if blank_tail + b"\n" in b"\n".join(batch) + b"\n":
            scan.blank_lines.extend(
                line + 1 + offset for offset, text in enumerate(batch) if text.endswith(blank_tail)
            )
        line += len(batch)
        scan.rows += len(rows)
    if not width:
        raise BundleReadError(
            f"ballots.csv, line 1: header must be {','.join(BALLOTS_HEADER)}"
        )  # fmt: skip
    scan.voted = voted.value()


def _tally(plain: PlainCells | None, header: list[str]) -> RankingTally | None:
    """A tally for the compact way if the file's header is the plain one (and SQLite works)."""
    if plain is None or header != plain.header:
        return None
    try:
        return RankingTally()
    except sqlite3.Error:
        return None


def _count(scan: BallotScan, rows: list[list[bytes]], plain: PlainCells | None) -> None:
    """Count a batch's cells: as rankings in the tally while every cell is plain, else as
    written (or not at all once a second reading must count them)."""
    if scan.tally is not None and plain is not None:
        for column, table in enumerate(plain.tables):
            cells = Counter([row[column + 2] for row in rows])
            rankings = encode(list(cells), table)
            try:
                if rankings is not None:
                    scan.tally.add(column, rankings, cells.values())
            except sqlite3.Error:  # no room for the temporary file: count the exact way
                rankings = None
            if rankings is None:  # a cell not plain, or no tally: a second reading counts
                _drop_tally(scan)
                scan.reread = True
                return
    for column, counter in enumerate(scan.cells, start=2):
        counter.update([row[column] for row in rows])


def _drop_tally(scan: BallotScan) -> None:
    """Close and forget the tally (its rankings are no longer wanted)."""
    if scan.tally is not None:
        scan.tally.close()
        scan.tally = None


def count_cells(source: BundleSource, header: list[str]) -> list[Counter[bytes]]:
    """Each contest column's distinct cells with how many rows hold them, from a second
    reading of ballots.csv (after the first found a cell that is not plain)."""
    cells: list[Counter[bytes]] = [Counter() for _ in header[2:]]
    line = 0
    for batch in source.lines("ballots.csv"):
        if not line:
            if not batch:
                continue
            batch, line = batch[1:], 1  # the header, read by the first reading
        rows = _split(batch, line, header)
        for column, counter in enumerate(cells, start=2):
            counter.update([row[column] for row in rows])
        line += len(batch)
    return cells


def _order(scan: BallotScan, tokens: list[bytes], line: int) -> None:
    """Name the first row out of token order, and each token used twice in a row."""
    for offset, (before, token) in enumerate(zip(tokens, tokens[1:], strict=False)):
        number = line + 1 + offset
        if token < before and scan.unsorted_line is None:
            scan.unsorted_line = number
        elif token == before:
            scan.token_problems.append(
                f"ballots.csv, line {number}: token {token.decode()} used twice "
                f"(also line {number - 1})"
            )


def _split(batch: list[bytes], line: int, header: list[str]) -> list[list[bytes]]:
    """The batch's rows as fields; BundleReadError naming a row of the wrong width."""
    if any(b'"' in text for text in batch):
        rows = [[cell.encode() for cell in next(csv.reader([t.decode()]), [])] for t in batch]
    else:
        rows = [text.split(b",") for text in batch]
    for offset, row in enumerate(rows):
        if len(row) != len(header):
            raise BundleReadError(
                f"ballots.csv, line {line + 1 + offset}: expected {len(header)} fields "
                f"({','.join(header)}), found {len(row)}"
            )
    return rows


def _malformed(tokens: list[bytes], line: int) -> list[str]:
    """A problem for each token that is not 20 digits with a valid checksum."""
    return [
        f"ballots.csv, line {line + 1 + offset}: token {token.decode()} is not a valid "
        f"{LENGTH}-digit token (checksum)"
        for offset, token in enumerate(tokens)
        if not (len(token) == LENGTH and token.isdigit() and int(token) % 97 == 1)
    ]


def _bad_channel(rows: list[list[bytes]], channel: bytes, line: int) -> list[str]:
    """A problem for each row of the batch sent by an unknown channel."""
    return [
        f"ballots.csv, line {line + 1 + offset}: channel {row[1].decode()!r} is not one of "
        f"{sorted(CHANNELS)}"
        for offset, row in enumerate(rows)
        if row[1] == channel
    ]


def _keep_receipt_rows(
    scan: BallotScan,
    rows: list[list[bytes]],
    keyed: hashlib.blake2b,
    watched: set[bytes],
    line: int,
) -> None:
    """Keep the rows whose keyed token hash a receipt names (first one of each)."""
    for offset, row in enumerate(rows):
        token = row[0]
        if not (len(token) == LENGTH and token.isdigit()):
            continue
        h = keyed.copy()
        h.update(token)
        digest = h.digest()
        if digest in watched and digest not in scan.receipt_rows:
            scan.receipt_rows[digest] = (line + 1 + offset, token.decode(), row[2:])
