"""Importing two tellers' keyed entries from CSV (an offline keying session).

Each file is one teller's keying of one batch::

    letter,teller,token,spoilt,1,2,3,4
    1,alice,4821 0937 5512 8840 3316,,2,1,,3
    2,alice,,no_token,,,,

``letter`` is the letter's number in the batch; ``teller`` the keying
teller's username (the same on every row); ``token`` as written; ``spoilt`` a
reason code (``unreadable``, ``no_token``, ``bad_token``, ``no_marks``,
``ambiguous``, ``too_many``, ``other``) or empty; then one column per
candidate number (``1`` or ``c1``) holding the mark written next to that
candidate: a rank for ranked ballots, ``X`` for a tick otherwise.

On a ballot of several contests the candidate columns are named by contest
key and candidate number, ``A1`` … ``A6``, ``B1`` … (``A_1``, ``A-1``, ``A:1``
and any case are read too); a contest whose cells are all empty is blank::

    letter,teller,token,spoilt,A1,A2,A3,B1,B2,C1,C2,C3
    1,alice,4821 0937 5512 8840 3316,,2,1,,,1,X,,

Every row goes through exactly the same :func:`keying.submit_entry` as the web
form, so the matching and adjudication rules are the same.  A broken file
stops the whole import with one line naming the file, the line and the reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

from ballotbox.core.errors import BallotboxError, FileFormatError
from ballotbox.definition import ElectionDefinition
from ballotbox.services import Context
from ballotbox.services.elections import definition_of
from ballotbox.services.postal import queries
from ballotbox.services.postal.errors import EntryError
from ballotbox.services.postal.keying import submit_entry
from ballotbox.services.postal.matching import Keyed, read_entry
from ballotbox.services.roles import Permission, allowed
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import PostalBatch, Teller

REQUIRED = ("letter", "teller", "token")


@dataclass(frozen=True)
class KeyedRow:
    """One row of a keying file, read."""

    line: int
    letter: int
    keyed: Keyed


@dataclass(frozen=True)
class KeyingFile:
    """A whole keying file: whose it is and its rows."""

    source: str
    teller: str
    rows: list[KeyedRow]


def _candidate_column(name: str, known: set[int]) -> int | None:
    text = name.strip().lower().removeprefix("c")
    if text.isdigit() and int(text) in known:
        return int(text)
    return None


_CONTEST_COLUMN = re.compile(r"^([A-Za-z])[\s_:.\-]?([0-9]+)\Z")


def _contest_column(name: str, definition: ElectionDefinition) -> tuple[str, int] | None:
    """(contest key, candidate number) of a column such as ``A1`` or ``b_2``, if it is one."""
    found = _CONTEST_COLUMN.match(name.strip())
    if found is None:
        return None
    key, number = found.group(1).upper(), int(found.group(2))
    if key in definition.keys and number in definition.contest(key).candidate_names():
        return key, number
    return None


def _columns_hint(definition: ElectionDefinition) -> str:
    if definition.single:
        known = definition.contests[0].candidate_names()
        return f"candidates are numbered {min(known)} to {max(known)}"
    spans = ", ".join(
        f"{c.key}{min(c.candidate_names())} to {c.key}{max(c.candidate_names())}"
        for c in definition.contests
    )
    return f"candidate columns are the contest's letter and the candidate's number: {spans}"


def read_keying_file(
    text: str, source: str, definition: ElectionDefinition, letters: int
) -> KeyingFile:
    """Read one teller's keying file, or raise FileFormatError naming the line and the reason."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise FileFormatError("the file is empty", source=source) from None
    except csv.Error as error:
        raise FileFormatError(f"not CSV ({error})", source=source, line=1) from None
    columns = [h.strip().lower() for h in header]
    for name in REQUIRED:
        if name not in columns:
            raise FileFormatError(
                f"the header has no “{name}” column (it needs letter, teller, token, "
                "spoilt and one column per candidate"
                + ("" if definition.single else ", named by contest and number: A1, A2 …")
                + ")",
                source=source,
                line=1,
            )
    known = set(definition.contests[0].candidate_names()) if definition.single else set()
    candidate_at: dict[int, tuple[str, int]] = {}
    for index, name in enumerate(columns):
        if name in (*REQUIRED, "spoilt"):
            continue
        if definition.single:
            number = _candidate_column(name, known)
            column = None if number is None else (definition.keys[0], number)
        else:
            column = _contest_column(name, definition)
        if column is None:
            raise FileFormatError(
                f"unknown column “{header[index]}” ({_columns_hint(definition)})",
                source=source,
                line=1,
            )
        candidate_at[index] = column
    rows: list[KeyedRow] = []
    seen: dict[int, int] = {}
    teller = ""
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                raise FileFormatError(
                    f"{len(row)} fields, expected {len(columns)}", source=source, line=line
                )
            cells = dict(zip(columns, row, strict=True))
            number_text = cells["letter"].strip()
            if not number_text.isdigit() or not 1 <= int(number_text) <= letters:
                raise FileFormatError(
                    f"letter “{number_text}” is not a number from 1 to {letters}",
                    source=source,
                    line=line,
                )
            number = int(number_text)
            if number in seen:
                raise FileFormatError(
                    f"letter {number} again (first on line {seen[number]})",
                    source=source,
                    line=line,
                )
            seen[number] = line
            who = cells["teller"].strip().lower()
            if not who:
                raise FileFormatError("the teller column is empty", source=source, line=line)
            if teller and who != teller:
                raise FileFormatError(
                    f"teller “{who}”, but earlier rows are by “{teller}”: one file "
                    "is one teller's keying",
                    source=source,
                    line=line,
                )
            teller = who
            by_contest: dict[str, dict[int, str]] = {key: {} for key in definition.keys}
            for i, (key, candidate) in candidate_at.items():
                by_contest[key][candidate] = row[i]
            marks = by_contest[definition.keys[0]] if definition.single else by_contest
            try:
                keyed = read_entry(definition, cells["token"], marks, cells.get("spoilt", ""))
            except EntryError as error:
                raise FileFormatError(
                    f"letter {number}: {error.message}", source=source, line=line
                ) from None
            rows.append(KeyedRow(line, number, keyed))
    except csv.Error as error:
        raise FileFormatError(f"not CSV ({error})", source=source, line=reader.line_num) from None
    if not rows:
        raise FileFormatError("no letters in the file", source=source)
    return KeyingFile(source, teller, rows)


def _teller(session: Session, name: str, source: str) -> Teller:
    teller = queries.teller_by_username(session, name)
    if teller is None or not teller.active:
        raise FileFormatError(f"there is no active teller account “{name}”", source=source)
    if not allowed(teller.role, Permission.KEY):
        raise FileFormatError(
            f"“{name}” is a {teller.role}, who may not key letters", source=source
        )
    return teller


def import_entries(
    session: Session,
    ctx: Context,
    election: Election,
    batch: PostalBatch,
    first: tuple[str, str],
    second: tuple[str, str],
) -> Counter[str]:
    """Import two tellers' files (``(source, text)`` each); return outcome → letters.

    Outcomes: ``accepted``, ``spoilt``, ``rejected`` (agreed entries, resolved),
    ``disputed`` (sent to adjudication) and ``waiting`` (keyed once so far).
    """
    definition = definition_of(election)
    files = [
        read_keying_file(text, source, definition, batch.letters)
        for source, text in (first, second)
    ]
    tellers = [_teller(session, f.teller, f.source) for f in files]
    if tellers[0].id == tellers[1].id:
        raise FileFormatError(
            f"both files are keyed by “{files[0].teller}”: double entry needs two "
            "different tellers",
            source=files[1].source,
        )
    outcomes: dict[int, str] = {}
    for keying_file, teller in zip(files, tellers, strict=True):
        for row in keying_file.rows:
            try:
                outcome = submit_entry(session, ctx, teller, batch, row.letter, row.keyed)
            except BallotboxError as error:
                raise FileFormatError(
                    error.message, source=keying_file.source, line=row.line
                ) from None
            outcomes[row.letter] = (
                outcome.status
                if outcome.stage == "resolved"
                else "disputed"
                if outcome.stage == "disputed"
                else "waiting"
            )
    return Counter(outcomes.values())
