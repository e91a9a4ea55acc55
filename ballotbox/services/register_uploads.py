"""Uploaded registers kept between their preview and their import (the officers' console).

An uploaded register is previewed first and imported only when the officer
confirms, so its bytes must survive from one request to the next without
being trusted to the browser.  They are kept on the server, under a random
id, in ``register-uploads`` in the key folder (created 0700, files 0600: a
register holds members' names and addresses), tied to the ballot and to the
officer who uploaded it, with the file's SHA-256.  Nobody else can preview
or import it; it is deleted once imported, when cancelled, or
:data:`UPLOAD_TTL` after the upload (every use sweeps the expired ones).
Registers hold no token, so nothing here touches the ballot's secrecy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ballotbox.core.errors import NotFoundError
from ballotbox.core.i18n import N_
from ballotbox.services.context import Context

UPLOAD_TTL = timedelta(minutes=30)
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}\Z")


class UploadGoneError(NotFoundError):
    """The upload a preview or confirmation names is not (or no longer) here for this officer."""

    code = "upload_gone"
    # i18n: officer
    template = N_(
        "That uploaded register is not here any more (uploads are kept for 30 minutes, "
        "until imported or cancelled). Upload the file again."
    )


@dataclass(frozen=True)
class Upload:
    """A register file kept between its preview and its import."""

    id: str
    slug: str
    org: str
    filename: str
    sha256: str
    officer: str
    at: datetime


def folder(ctx: Context) -> Path:
    """Where uploaded registers wait for their confirmation."""
    return Path(ctx.keys.key_dir) / "register-uploads"


def label(filename: str) -> str:
    """What pages and messages call an uploaded file: its name, printable, at most 120 chars."""
    return "".join(ch for ch in filename if ch.isprintable()).strip()[:120] or "the uploaded file"


def keep(ctx: Context, slug: str, org: str, filename: str, officer: str, data: bytes) -> Upload:
    """Keep ``data`` under a new random id for ``officer`` and ballot ``slug``."""
    sweep(ctx)
    where = folder(ctx)
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = Upload(
        ctx.random_bytes(16).hex(),
        slug,
        org,
        label(filename),
        hashlib.sha256(data).hexdigest(),
        officer,
        ctx.clock.now(),
    )
    _write_private(where / f"{kept.id}.csv", data)
    meta = {**asdict(kept), "at": kept.at.isoformat()}
    _write_private(where / f"{kept.id}.json", json.dumps(meta).encode())
    return kept


def load(ctx: Context, officer: str, slug: str, upload_id: str) -> tuple[Upload, bytes]:
    """``officer``'s upload ``upload_id`` for ballot ``slug`` and its bytes, or UploadGoneError
    (unknown, expired, someone else's, another ballot's, or altered on disk)."""
    sweep(ctx)
    if not UPLOAD_ID.match(upload_id):
        raise UploadGoneError()
    where = folder(ctx)
    try:
        meta = json.loads((where / f"{upload_id}.json").read_text())
        data = (where / f"{upload_id}.csv").read_bytes()
        kept = Upload(**{**meta, "at": datetime.fromisoformat(meta["at"])})
    except (OSError, ValueError, KeyError, TypeError):
        raise UploadGoneError() from None
    mine = kept.id == upload_id and kept.slug == slug and kept.officer == officer
    if not mine or hashlib.sha256(data).hexdigest() != kept.sha256:
        raise UploadGoneError()
    return kept, data


def delete(ctx: Context, upload_id: str) -> None:
    """Delete an upload's files (nothing if they are gone already)."""
    for suffix in (".csv", ".json"):
        (folder(ctx) / f"{upload_id}{suffix}").unlink(missing_ok=True)


def sweep(ctx: Context) -> None:
    """Delete uploads kept longer than UPLOAD_TTL."""
    where = folder(ctx)
    if not where.is_dir():
        return
    cutoff = ctx.clock.now() - UPLOAD_TTL
    for meta in where.glob("*.json"):
        try:
            at = datetime.fromisoformat(json.loads(meta.read_text())["at"])
        except (OSError, ValueError, KeyError, TypeError):
            at = cutoff  # unreadable: treat as expired
        if at <= cutoff:
            delete(ctx, meta.stem)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
