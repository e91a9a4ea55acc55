"""The published audit bundle: write it from plain data, read it back.

The database side (``ballotbox publish``) gathers the election's data into a
:class:`BundleData` and calls :func:`build_files`, then :func:`write_directory`
and :func:`write_zip`.  :func:`read_files` and :func:`parse_bundle` read a
bundle whole (tests, tools); the verifier streams it (``audit/source.py``)
and uses this module's row parsers only to name the lines of a bundle that
fails.  Nothing here checks that the data is *true*; that is
``ballotbox.core.audit.verify``'s job.  The format is specified in audit/FORMAT.md.
Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.signing

from ballotbox.core import contests
from ballotbox.core.audit import crypto
from ballotbox.core.counting import write_blt

FORMAT = "ballotbox-bundle/1"
MANIFEST = "manifest.json"
FILES = (
    "election.json",
    "public_key",
    "commitment.json",
    "token_key",
    "tokens.csv",
    "ballots.csv",
    "log.jsonl",
    "checkpoints.json",
    "result.json",
    "ballots.blt",
)
# A ballot of several contests has ballots-A.blt, ballots-B.blt … instead of ballots.blt.
CONTEST_BLT = re.compile(r"^ballots-[A-Z]\.blt\Z")
TOKEN_STATES = ("voted", "unused", "void")
TOKENS_HEADER = ["token_hash", "state"]
BALLOTS_HEADER = ["token", "channel", "choices"]
CONTEST_COLUMN = re.compile(r"^[A-Z]\Z")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BundleReadError(Exception):
    """The bundle cannot be read at all: a file is missing or malformed (names file and line)."""


@dataclass(frozen=True, slots=True)
class BallotRow:
    """One line of ballots.csv: a voted token, its channel and its choices.

    ``choices`` is a tuple of candidate numbers on a ballot of one contest, and
    contest key → tuple on a ballot of several (an empty tuple: left blank).
    """

    token: str
    channel: str
    choices: tuple[int, ...] | dict[str, tuple[int, ...]]
    line: int = 0

    def by_contest(self, definition: dict[str, Any]) -> dict[str, tuple[int, ...]]:
        """Contest key → choices, every contest of ``definition`` present (ValueError if unfit)."""
        return contests.by_contest(definition, self.choices)

    def recorded(self) -> list[int] | dict[str, list[int]]:
        """The ballot as it was hashed at casting: a list, or key → list."""
        if isinstance(self.choices, dict):
            return {key: list(numbers) for key, numbers in self.choices.items()}
        return list(self.choices)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of log.jsonl: the entry's position, payload and hash (hex)."""

    position: int
    payload: dict[str, Any]
    hash: str


@dataclass(slots=True)
class BundleData:
    """Everything a bundle holds, as plain data; file encodings are this module's business."""

    definition: dict[str, Any]
    public_key: str
    commitment: dict[str, Any]
    token_key: bytes
    tokens: list[tuple[str, str]]
    ballots: list[BallotRow]
    log: list[LogEntry]
    checkpoints: list[dict[str, Any]]
    result: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)


def pretty_json(obj: Any) -> bytes:
    """How the bundle's .json files are written: sorted keys, two-space indent, final newline."""
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    """CSV with LF line ends and minimal quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def blt_files(definition: dict[str, Any], ballots: Sequence[BallotRow]) -> dict[str, str]:
    """The ERS .blt rendering of each contest's ballots, by file name.

    One contest: ``ballots.blt``, every ballot.  Several: ``ballots-A.blt`` …,
    each holding the ballots that chose something in that contest.
    """
    chosen = contests.contest_choices(definition, [row.by_contest(definition) for row in ballots])
    single = contests.is_single(definition)
    return {
        "ballots.blt" if single else f"ballots-{contest['key']}.blt": write_blt(
            contests.count_input(contest, chosen[str(contest["key"])])
        )
        for contest in contests.contests(definition)
    }


def ballots_header(definition: dict[str, Any]) -> list[str]:
    """ballots.csv's header: ``token,channel,choices``, or a column per contest key."""
    if contests.is_single(definition):
        return list(BALLOTS_HEADER)
    return ["token", "channel", *contests.keys(definition)]


def _choices_cell(numbers: Sequence[int]) -> str:
    return " ".join(map(str, numbers))


def ballot_cells(definition: dict[str, Any], row: BallotRow) -> list[str]:
    """One ballots.csv row: the token, the channel and a cell per contest (one on one contest)."""
    if isinstance(row.choices, tuple) and contests.is_single(definition):
        return [row.token, row.channel, _choices_cell(row.choices)]
    by_key = row.choices if isinstance(row.choices, dict) else row.by_contest(definition)
    order = contests.keys(definition)
    return [row.token, row.channel, *(_choices_cell(by_key.get(key, ())) for key in order)]


def content_files(data: BundleData) -> dict[str, bytes]:
    """Every file except the manifest, encoded exactly as published."""
    tokens = sorted(data.tokens)
    ballots = sorted(data.ballots, key=lambda row: row.token)
    blt = {name: text.encode() for name, text in blt_files(data.definition, ballots).items()}
    return {
        "election.json": pretty_json(data.definition),
        "public_key": data.public_key.encode("ascii") + b"\n",
        "commitment.json": pretty_json(data.commitment),
        "token_key": data.token_key.hex().encode("ascii") + b"\n",
        "tokens.csv": _csv(TOKENS_HEADER, [[h, state] for h, state in tokens]),
        "ballots.csv": _csv(
            ballots_header(data.definition),
            [ballot_cells(data.definition, row) for row in ballots],
        ),
        "log.jsonl": b"".join(
            json.dumps(
                {"hash": e.hash, "payload": e.payload, "position": e.position},
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode()
            + b"\n"
            for e in data.log
        ),
        "checkpoints.json": pretty_json(data.checkpoints),
        "result.json": pretty_json(data.result),
        **blt,
    }


def is_bundle_file(name: str) -> bool:
    """True for a name a bundle may hold (the manifest, a fixed file or a contest's .blt)."""
    return name == MANIFEST or name in FILES or bool(CONTEST_BLT.match(name))


def manifest_body(files: dict[str, bytes], election: str) -> dict[str, Any]:
    """The manifest statement: the SHA-256 (hex) of every other file in the bundle."""
    digests = {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)}
    return {"format": FORMAT, "election": election, "files": digests}


def build_files(data: BundleData, key: nacl.signing.SigningKey) -> dict[str, bytes]:
    """Every file of the bundle, the signed manifest included, by name."""
    files = content_files(data)
    body = manifest_body(files, str(data.definition.get("slug", "")))
    files[MANIFEST] = pretty_json(crypto.envelope(key, "manifest", body))
    return files


def write_directory(files: dict[str, bytes], out_dir: Path) -> Path:
    """Write the bundle's files into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in sorted(files):
        (out_dir / name).write_bytes(files[name])
    return out_dir


def write_zip(files: dict[str, bytes], zip_path: Path, folder: str) -> Path:
    """Write the bundle as a zip with fixed timestamps, every file under ``folder/``."""
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return zip_path


def read_files(path: Path) -> dict[str, bytes]:
    """The files of a bundle directory or zip, by name; BundleReadError if unreadable."""
    try:
        if path.is_dir():
            return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
        with zipfile.ZipFile(path) as archive:
            files: dict[str, bytes] = {}
            for info in archive.infolist():
                if info.is_dir():
                    continue
                name = info.filename.rsplit("/", 1)[-1]
                if name in files:
                    raise BundleReadError(f"{path}: the zip holds two files called {name}")
                files[name] = archive.read(info)
            return files
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleReadError(f"{path}: cannot read the bundle ({exc})") from exc


def _text(files: dict[str, bytes], name: str) -> str:
    """A required file's text; BundleReadError if missing or not UTF-8."""
    if name not in files:
        raise BundleReadError(f"{name}: missing from the bundle")
    try:
        return files[name].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleReadError(f"{name}: not UTF-8 text ({exc})") from exc


def _json(files: dict[str, bytes], name: str, kind: type) -> Any:
    """A required JSON file parsed, checked to be an object or a list."""
    try:
        value = json.loads(_text(files, name))
    except json.JSONDecodeError as exc:
        raise BundleReadError(f"{name}, line {exc.lineno}: not JSON ({exc.msg})") from exc
    if not isinstance(value, kind):
        raise BundleReadError(f"{name}: expected a JSON {kind.__name__}")
    return value


def _hex_line(files: dict[str, bytes], name: str, size: int) -> str:
    """A one-line file holding ``size`` bytes as hex."""
    text = _text(files, name).strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise BundleReadError(f"{name}: not hex ({exc})") from exc
    if len(raw) != size:
        raise BundleReadError(f"{name}: expected {size} bytes of hex, found {len(raw)}")
    return text


def _csv_rows(files: dict[str, bytes], name: str, header: list[str]) -> list[list[str]]:
    """The data rows of a CSV file whose header must be exactly ``header``."""
    rows = list(csv.reader(io.StringIO(_text(files, name))))
    if not rows or rows[0] != header:
        raise BundleReadError(f"{name}, line 1: header must be {','.join(header)}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise BundleReadError(
                f"{name}, line {number}: expected {len(header)} fields "
                f"({','.join(header)}), found {len(row)}"
            )
    return rows[1:]


def _ballot_rows(files: dict[str, bytes]) -> list[BallotRow]:
    """ballots.csv's rows: one choices column, or one column per contest key."""
    name = "ballots.csv"
    rows = list(csv.reader(io.StringIO(_text(files, name))))
    header = rows[0] if rows else []
    columns = header[2:]
    several = (
        header[:2] == ["token", "channel"]
        and len(columns) >= 2
        and all(CONTEST_COLUMN.match(key) for key in columns)
        and len(set(columns)) == len(columns)
    )
    if not several:
        return [
            _ballot_row(n, r, None) for n, r in enumerate(_csv_rows(files, name, BALLOTS_HEADER), 2)
        ]
    return [_ballot_row(n, r, columns) for n, r in enumerate(_csv_rows(files, name, header), 2)]


def _ballot_row(number: int, row: list[str], keys: list[str] | None) -> BallotRow:
    """One ballots.csv row; the token is kept as written so the verifier can name it."""
    token, channel, *cells = row
    parsed: list[tuple[int, ...]] = []
    for key, cell in zip(keys or ["choices"], cells, strict=True):
        try:
            parsed.append(tuple(int(part) for part in cell.split()))
        except ValueError as exc:
            where = f"contest {key}" if keys else "choices"
            raise BundleReadError(
                f"ballots.csv, line {number}: {where} must be numbers separated by spaces"
            ) from exc
    choices = dict(zip(keys, parsed, strict=True)) if keys else parsed[0]
    return BallotRow(token=token, channel=channel, choices=choices, line=number)


def _log_entry(number: int, line: str) -> LogEntry:
    """One log.jsonl line."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BundleReadError(f"log.jsonl, line {number}: not JSON ({exc.msg})") from exc
    if (
        not isinstance(value, dict)
        or set(value) != {"hash", "payload", "position"}
        or not isinstance(value["position"], int)
        or not isinstance(value["payload"], dict)
        or not isinstance(value["hash"], str)
    ):
        raise BundleReadError(
            f"log.jsonl, line {number}: expected {{position: int, payload: object, hash: hex}}"
        )
    return LogEntry(position=value["position"], payload=value["payload"], hash=value["hash"])


def parse_bundle(files: dict[str, bytes]) -> BundleData:
    """The bundle's files decoded into plain data; BundleReadError naming file and line."""
    token_key = bytes.fromhex(_hex_line(files, "token_key", 32))
    log_lines = _text(files, "log.jsonl").splitlines()
    return BundleData(
        definition=_json(files, "election.json", dict),
        public_key=_hex_line(files, "public_key", crypto.PUBLIC_KEY_BYTES),
        commitment=_json(files, "commitment.json", dict),
        token_key=token_key,
        tokens=[(r[0], r[1]) for r in _csv_rows(files, "tokens.csv", TOKENS_HEADER)],
        ballots=_ballot_rows(files),
        log=[_log_entry(n, line) for n, line in enumerate(log_lines, start=1)],
        checkpoints=_json(files, "checkpoints.json", list),
        result=_json(files, "result.json", dict),
        manifest=_json(files, MANIFEST, dict),
    )


def write_bundle(
    data: BundleData, key: nacl.signing.SigningKey, out_dir: Path
) -> tuple[Path, Path]:
    """Write the bundle to ``out_dir`` and ``out_dir``.zip beside it; return both paths."""
    files = build_files(data, key)
    write_directory(files, out_dir)
    archive = write_zip(files, out_dir.with_name(out_dir.name + ".zip"), out_dir.name)
    return out_dir, archive
