"""Output files that are never overwritten, and their checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from ballotbox.core.errors import OutputExistsError

__all__ = ["OutputExistsError", "open_new", "refuse_existing", "sha256_file"]


def refuse_existing(*paths: Path) -> None:
    """Raise ``OutputExistsError`` for the first of ``paths`` that exists."""
    for path in paths:
        if path.exists():
            raise OutputExistsError(path=str(path))


def open_new(path: Path) -> BinaryIO:
    """Open ``path`` for writing only if it does not exist yet (atomically, mode ``xb``)."""
    try:
        return path.open("xb")
    except FileExistsError:
        raise OutputExistsError(path=str(path)) from None


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as lowercase hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
