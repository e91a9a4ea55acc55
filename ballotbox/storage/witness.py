"""The witness: each election's newest chain head, kept outside the database.

``<key_dir>/<slug>/witness.json`` holds the position and hash of the newest
entry this host has seen committed to the election's hash chain, and the
newest signed checkpoint.  It is rewritten after every commit that moves the
chain on (a cast, the opening, a checkpoint), never before, so it can lag the
database but never run ahead of it.

Restoring a database does not touch this file, so a database restored from an
older backup is caught: its chain either stops short of the witnessed position
or has a different entry there.  (``ballotbox restore`` leaves the file alone
on purpose; a key-directory backup restored over it would defeat it, which is
why deploy/README.md says to restore keys only into an empty directory.)

Nothing in it is secret: a head and a checkpoint are published on the live
audit page anyway.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import N_

WITNESS_FILE = "witness.json"
FORMAT = "ballotbox-witness/1"


class WitnessUnreadableError(BallotboxError):
    code = "witness_unreadable"
    template = N_(
        "{path} cannot be read ({reason}). It records the newest head of the election's "
        "chain; restore it from this host's file backup, or remove it to stop the check."
    )


@dataclass(frozen=True)
class Witness:
    """The newest head of one election's chain seen on this host, and its newest checkpoint."""

    election: str
    position: int
    head: str  # hex
    checkpoint: dict[str, Any] | None = None  # the signed envelope {"body", "signature"}

    @property
    def checkpoint_position(self) -> int | None:
        """The position the newest signed checkpoint covers, if there is one."""
        if self.checkpoint is None:
            return None
        return int(self.checkpoint["body"]["position"])

    def to_json(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "format": FORMAT,
            "election": self.election,
            "position": self.position,
            "head": self.head,
            "checkpoint": self.checkpoint,
        }


def read_witness(folder: Path) -> Witness | None:
    """The witness in ``folder``, or None when there is none yet."""
    path = os.path.join(folder, WITNESS_FILE)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    known = _known.get(path)
    if known is not None and known[0] == version:
        return known[1]  # as this process last read or wrote it: not parsed again
    witness = _parse(path)
    _known[path] = (version, witness)
    return witness


#: Per witness file, the version this process last read or wrote ((mtime, size, inode), its
#: content): every batch of casts rewrites the file and reads it back before the next, and a
#: version another worker or host put in place has another inode.
_known: dict[str, tuple[tuple[int, int, int], Witness]] = {}


def _parse(path: str) -> Witness:
    """The witness file at ``path`` read and checked (WitnessUnreadableError if it cannot be)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"not {FORMAT}")
        checkpoint = doc.get("checkpoint")
        if checkpoint is not None and not isinstance(checkpoint.get("body"), dict):
            raise ValueError("checkpoint has no body")
        return Witness(
            election=str(doc["election"]),
            position=int(doc["position"]),
            head=str(doc["head"]),
            checkpoint=checkpoint,
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WitnessUnreadableError(path=path, reason=str(exc) or type(exc).__name__) from None


def record(folder: Path, update: Witness, *, replace: bool = False) -> Witness:
    """Merge ``update`` into the witness in ``folder`` and write it atomically.

    The newer head and the newer checkpoint win (two processes writing at once
    can only leave an older, still true, head); ``replace`` writes ``update``
    as it is, for the officer's override after a restore.
    """
    current = current_or_none(folder)
    if replace or current is None or current.election != update.election:
        merged = update
    else:
        merged = _newer(current, update)
        if merged == current:
            return current
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / WITNESS_FILE
    # Per thread too: the batcher and the clock loop (checkpoints) of one worker both write.
    temporary = folder / f".{WITNESS_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    data = json.dumps(merged.to_json(), indent=2, sort_keys=True).encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        if update.checkpoint is not None or replace:
            os.fsync(handle.fileno())
        # What the file will be once renamed into place (a rename keeps inode and times).
        stat = os.fstat(handle.fileno())
    os.replace(temporary, path)
    _known[str(path)] = ((stat.st_mtime_ns, stat.st_size, stat.st_ino), merged)
    return merged


def current_or_none(folder: Path) -> Witness | None:
    """The witness in ``folder``; None when there is none or it cannot be read."""
    try:
        return read_witness(folder)
    except WitnessUnreadableError:
        return None


def _newer(current: Witness, update: Witness) -> Witness:
    head = update if update.position > current.position else current
    checkpoint = current.checkpoint
    new_position = update.checkpoint_position
    if new_position is not None and new_position > (current.checkpoint_position or -1):
        checkpoint = update.checkpoint
    return Witness(update.election, head.position, head.head, checkpoint)
