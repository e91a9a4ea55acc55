"""Checkpoints observers saved during the poll, held against the published log.

An observer keeps copies of ``/elections/{slug}/audit/checkpoints.json`` as the
poll goes on.  Each checkpoint signs a position in the hash chain and the
head there.  The published log must *extend* every one of them: reach that
position and hold exactly that head.  If it does not, entries acknowledged
before the checkpoint are gone from it: the database was restored from an
older backup (or the log rewritten) after the checkpoint was published.
Every checkpoint saved should also be in the bundle's ``checkpoints.json``,
which claims to list all of them.

Used by ``ballotbox-verify BUNDLE --checkpoint FILE …`` and by ``ballotbox
restore --checkpoint FILE …``.  Pure: standard library and PyNaCl.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import nacl.signing

from ballotbox.core.audit.bundle import BundleReadError, LogEntry
from ballotbox.core.audit.receipts import open_checkpoint

MAX_FILE_BYTES = 64 * 1024 * 1024  # a year of checkpoints every minute is a few MiB


class Heads(Protocol):
    """The chain head at each position of a log (a list, or only the positions asked for)."""

    def __len__(self) -> int: ...

    def __getitem__(self, position: int) -> bytes: ...


@dataclass(frozen=True)
class SavedCheckpoints:
    """The checkpoints in one saved file, with the name the report uses for it."""

    label: str
    statements: tuple[Any, ...]


def load_saved(path: Path) -> SavedCheckpoints:
    """A saved ``checkpoints.json`` (a list, or one checkpoint); BundleReadError if unreadable."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BundleReadError(
                f"{path}: larger than {MAX_FILE_BYTES} bytes; not a checkpoint file"
            )
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleReadError(f"{path}: cannot read the saved checkpoints ({exc})") from exc
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise BundleReadError(f"{path}: expected the JSON list /audit/checkpoints.json serves")
    return SavedCheckpoints(path.name, tuple(document))


def check_saved(
    key: nacl.signing.VerifyKey,
    slug: str,
    log: Sequence[LogEntry],
    heads: Heads,
    published: list[Any],
    saved: SavedCheckpoints,
) -> list[str]:
    """Problems with ``saved`` against the published log (none when the log extends them all)."""
    problems: list[str] = []
    listed = {
        (body["position"], body["head"])
        for body in (open_checkpoint(key, statement) for statement in published)
        if body is not None
    }
    for number, statement in enumerate(saved.statements, start=1):
        body = open_checkpoint(key, statement)
        if body is None:
            problems.append(f"{saved.label}, checkpoint {number}: {_unsigned(statement, slug)}")
            continue
        position = body["position"]
        name = (
            f"{saved.label}, checkpoint {number} (entry {position}, {body['ballots']} "
            f"ballots, signed {body['time']})"
        )
        if body["election"] != slug:
            problems.append(f"{name}: made for election {body['election']!r}")
        elif not isinstance(position, int) or position < 0:
            problems.append(f"{name}: the position is not an entry of any log")
        elif position >= len(heads):
            problems.append(
                f"{name}: the published log ends at entry {len(heads) - 1}, so it does not "
                f"extend this checkpoint (entries were lost or removed){_restores(log)}"
            )
        elif heads[position].hex() != body["head"]:
            problems.append(
                f"{name}: the published log holds a different entry {position}, so it does "
                f"not extend this checkpoint (rolled back or rewritten){_restores(log)}"
            )
        elif (position, body["head"]) not in listed:
            problems.append(f"{name}: missing from checkpoints.json, which must list every one")
    return problems


def _unsigned(statement: Any, slug: str) -> str:
    other = statement.get("body") if isinstance(statement, dict) else None
    election = other.get("election") if isinstance(other, dict) else None
    if election is not None and election != slug:
        return f"made for election {election!r}, not {slug!r}"
    return "not signed by this election's key"


def _restores(log: Sequence[LogEntry]) -> str:
    """The officer's restore overrides in the log, quoted, for the reader of the report."""
    notes = [
        f"line {entry.position + 1}: “{entry.payload.get('reason', '')}”"
        for entry in log
        if entry.payload.get("kind") == "restored"
    ]
    return f"; the log records a database restore at {', '.join(notes)}" if notes else ""
