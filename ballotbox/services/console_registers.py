"""Registers from the officers' console: upload, preview, confirm; the duplicates review.

The rules are :mod:`ballotbox.services.members`' (the CLI's): this module
checks the role, keeps the upload between the preview and the confirmation,
and writes the officer log.

**Between the preview and the confirmation the file stays on the server.**
The bytes of an uploaded register are kept under a random id (``uploads`` in
the key folder, readable by the server's user only) for :data:`UPLOAD_TTL`,
tied to the ballot, the organisation and the officer who uploaded it.  The
confirmation names only that id, so what is imported is exactly the file that
was previewed, byte for byte, whatever the browser sends; no member is stored
before it.  The confirmation also carries a digest of what the preview
showed (the file's SHA-256 and who would be added, changed, kept or gone):
if the registers changed in between (another officer's import, a merge), the
import is refused and the new preview shown, so an officer never confirms
an import that does something else than what they read.  The file is deleted
once the import commits, when the officer cancels, or when it expires.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from ballotbox.core.errors import InputError, NotFoundError, RegisterFrozenError, StateError
from ballotbox.core.i18n import N_
from ballotbox.core.members.dedupe import DuplicateGroup
from ballotbox.core.members.needs import FORMATS
from ballotbox.core.members.registers import Member, read_register
from ballotbox.services import issuance_register, members, officer_log
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.aftercommit import after_commit
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import Teller

UPLOAD_TTL = timedelta(minutes=30)
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_ORG = 100  # the register's column width


class UploadGoneError(NotFoundError):
    """The upload a preview or confirmation names is not (or no longer) here for this officer."""

    code = "upload_gone"
    # i18n: officer
    template = N_(
        "That uploaded register is not here any more (uploads are kept for 30 minutes, "
        "until imported or cancelled). Upload the file again."
    )


class PreviewChangedError(StateError):
    """The registers changed between the preview and the confirmation."""

    code = "preview_changed"
    # i18n: officer
    template = N_(
        "The registers changed since this preview was shown, so nothing was imported. "
        "Check the new preview below and confirm again."
    )


class NoFileError(InputError):
    """The upload form was sent without a file."""

    code = "no_file"
    # i18n: officer
    template = N_("Choose the register file to upload.")


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


@dataclass(frozen=True)
class Preview:
    """What importing an upload would do, and the digest its confirmation must carry."""

    upload: Upload
    report: members.ImportReport
    digest: str


@dataclass(frozen=True)
class OrgSummary:
    """One organisation's register on a ballot."""

    org: str
    members: int
    with_email: int
    with_phone: int
    formats: dict[str, int]


@dataclass(frozen=True)
class Overview:
    """A ballot's registers at a glance."""

    election: Election
    orgs: list[OrgSummary]
    total: int
    duplicate_groups: int
    frozen: bool


@dataclass(frozen=True)
class ReviewRow:
    """One record of a duplicate group, with why it was grouped and whether it had a card."""

    member: Member
    reasons: list[str]
    has_card: bool


def uploads_folder(ctx: Context) -> Path:
    """Where uploaded registers wait for their confirmation."""
    return Path(ctx.keys.key_dir) / "register-uploads"


def _election(session: Session, slug: str) -> Election:
    return repository.election_by_slug(session, slug)


def overview(session: Session, ctx: Context, who: Teller, slug: str) -> Overview:
    """Each organisation's register (counts only, no one's details) and how many groups of
    possible duplicates there are."""
    require(who, Permission.OVERSEE)
    election = _election(session, slug)
    assert election.id is not None
    rows = repository.members(session, election.id)
    orgs: dict[str, OrgSummary] = {}
    for row in rows:
        summary = orgs.setdefault(row.org, OrgSummary(row.org, 0, 0, 0, dict.fromkeys(FORMATS, 0)))
        orgs[row.org] = OrgSummary(
            row.org,
            summary.members + 1,
            summary.with_email + bool(row.email),
            summary.with_phone + bool(row.phone),
            summary.formats,
        )
        summary.formats[row.card_format] = summary.formats.get(row.card_format, 0) + 1
    groups = issuance_register.duplicates(session, election)
    return Overview(
        election, list(orgs.values()), len(rows), len(groups), members.register_frozen(election)
    )


def _sweep(ctx: Context) -> None:
    """Delete uploads older than UPLOAD_TTL (they hold members' details)."""
    folder = uploads_folder(ctx)
    if not folder.is_dir():
        return
    cutoff = ctx.clock.now() - UPLOAD_TTL
    for meta in folder.glob("*.json"):
        try:
            at = datetime.fromisoformat(json.loads(meta.read_text())["at"])
        except (OSError, ValueError, KeyError, TypeError):
            at = cutoff  # unreadable: treat as expired
        if at <= cutoff:
            _delete(folder, meta.stem)


def _delete(folder: Path, upload_id: str) -> None:
    for suffix in (".csv", ".json"):
        (folder / f"{upload_id}{suffix}").unlink(missing_ok=True)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _digest(upload: Upload, report: members.ImportReport) -> str:
    shown = {
        "file": upload.sha256,
        "org": upload.org,
        "counts": [report.added, report.updated, report.unchanged],
        "missing": sorted(m.number for m in report.missing),
        "with_card": sorted(m.number for m in report.missing_with_card),
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def upload(
    session: Session, ctx: Context, who: Teller, slug: str, org: str, filename: str, data: bytes
) -> Upload:
    """Read an uploaded register (refused with the reason if it cannot be read) and keep it
    for its preview; no member is stored."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    if members.register_frozen(election):
        raise RegisterFrozenError(slug=election.slug)
    org = " ".join(org.split())[:MAX_ORG]
    if not org:
        # i18n: officer
        raise InputError(N_("Give the organisation whose register this is."))
    name = filename.strip()[:120] or "the uploaded file"
    read_register(data, org, name=name)  # refuses an unknown encoding or a file with no header
    _sweep(ctx)
    folder = uploads_folder(ctx)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = Upload(
        ctx.random_bytes(16).hex(),
        election.slug,
        org,
        name,
        hashlib.sha256(data).hexdigest(),
        who.username,
        ctx.clock.now(),
    )
    _write_private(folder / f"{kept.id}.csv", data)
    meta = {k: getattr(kept, k) for k in ("slug", "org", "filename", "sha256", "officer")}
    _write_private(
        folder / f"{kept.id}.json", json.dumps({**meta, "at": kept.at.isoformat()}).encode()
    )
    return kept


def _load(ctx: Context, who: Teller, slug: str, upload_id: str) -> tuple[Upload, bytes]:
    """The upload ``upload_id`` of this officer for this ballot, with its bytes, or UploadGone."""
    _sweep(ctx)
    folder = uploads_folder(ctx)
    if not UPLOAD_ID.match(upload_id):
        raise UploadGoneError()
    try:
        meta = json.loads((folder / f"{upload_id}.json").read_text())
        data = (folder / f"{upload_id}.csv").read_bytes()
    except (OSError, ValueError):
        raise UploadGoneError() from None
    kept = Upload(
        upload_id,
        meta["slug"],
        meta["org"],
        meta["filename"],
        meta["sha256"],
        meta["officer"],
        datetime.fromisoformat(meta["at"]),
    )
    same = kept.slug == slug and kept.officer == who.username
    if not same or hashlib.sha256(data).hexdigest() != kept.sha256:
        raise UploadGoneError()
    return kept, data


def _preview(session: Session, election: Election, kept: Upload, data: bytes) -> Preview:
    read = read_register(data, kept.org, name=kept.filename)
    report = members.preview_import(session, election, read)
    return Preview(kept, report, _digest(kept, report))


def preview(session: Session, ctx: Context, who: Teller, slug: str, upload_id: str) -> Preview:
    """What importing a kept upload would do: every bad row, warning, unknown column; stores
    nothing."""
    require(who, Permission.RUN_BALLOTS)
    kept, data = _load(ctx, who, slug, upload_id)
    return _preview(session, _election(session, slug), kept, data)


def confirm(
    session: Session,
    ctx: Context,
    who: Teller,
    slug: str,
    upload_id: str,
    digest: str,
    *,
    remove_missing: bool,
) -> members.ImportReport:
    """Import the kept upload exactly as previewed (PreviewChangedError if what it would do has
    changed since); with ``remove_missing``, also remove members not in it, as the CLI's
    ``--remove-missing`` does."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    kept, data = _load(ctx, who, slug, upload_id)
    now = _preview(session, election, kept, data)
    if now.digest != digest:
        raise PreviewChangedError()
    read = read_register(data, kept.org, name=kept.filename)
    report = members.import_register(
        session, election, read, remove_missing=remove_missing, actor=who.username, ctx=ctx
    )
    officer_log.record(
        session,
        ctx,
        who,
        "register_imported",
        ballot=slug,
        detail=f"{kept.org}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.removed)} removed, "
        f"{len(report.problems)} rows left out; {kept.filename} SHA-256 {kept.sha256[:16]}",
    )
    folder = uploads_folder(ctx)
    after_commit(session, ("register-upload", upload_id), lambda: _delete(folder, upload_id))
    return report


def discard(ctx: Context, who: Teller, slug: str, upload_id: str) -> None:
    """Cancel an upload: its file is deleted from the server now."""
    require(who, Permission.RUN_BALLOTS)
    kept, _data = _load(ctx, who, slug, upload_id)
    _delete(uploads_folder(ctx), kept.id)


def review(session: Session, ctx: Context, who: Teller, slug: str) -> list[list[ReviewRow]]:
    """The groups of possible duplicates, as ``ballotbox members duplicates`` finds them, each
    record with its reasons and whether it was given a card."""
    require(who, Permission.OVERSEE)
    groups: list[DuplicateGroup] = issuance_register.duplicates(session, _election(session, slug))
    found = []
    for group in groups:
        rows = []
        for index, member in enumerate(group.members):
            reasons = sorted({m.reason for m in group.matches if index in (m.first, m.second)})
            card = member.key is not None and bool(repository.card_issues(session, member.key))
            rows.append(ReviewRow(member, reasons, card))
        found.append(rows)
    return found


def merge(
    session: Session, ctx: Context, who: Teller, slug: str, keep: int, drop: int, reason: str
) -> Member:
    """Merge two records of one person (``members merge``), the reason logged."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    return members.merge_members(
        session, ctx, election, keep, drop, reason=reason, actor=who.username
    )


def remove(
    session: Session, ctx: Context, who: Teller, slug: str, member_id: int, reason: str
) -> Member:
    """Remove one record (``members remove``), the reason logged."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    return members.remove_member(
        session, ctx, election, member_id, reason=reason, actor=who.username
    )


def member(session: Session, ctx: Context, who: Teller, slug: str, member_id: int) -> Member:
    """One member's record, to change their card format or language."""
    require(who, Permission.RUN_BALLOTS)
    return members.as_member(members.member_by_id(session, _election(session, slug), member_id))


def find(
    session: Session, ctx: Context, who: Teller, slug: str, number: str, org: str | None
) -> int:
    """The id of the member with this membership number (on ``org``'s register when given)."""
    require(who, Permission.RUN_BALLOTS)
    found = issuance_register.find_member(session, _election(session, slug), number, org or None)
    assert found.id is not None
    return found.id


def change(
    session: Session,
    ctx: Context,
    who: Teller,
    slug: str,
    member_id: int,
    *,
    card_format: str,
    language: str,
    reason: str,
) -> Member:
    """Change a member's card format and language (``members set``), the reason logged."""
    require(who, Permission.RUN_BALLOTS)
    election = _election(session, slug)
    current = members.as_member(members.member_by_id(session, election, member_id))
    if card_format == current.card_format and language == current.language:
        # i18n: officer
        raise InputError(N_("Nothing to change: choose another card format or language."))
    return members.set_member(
        session,
        ctx,
        election,
        member_id,
        card_format_text=card_format if card_format != current.card_format else None,
        language_text=language if language != current.language else None,
        reason=reason,
        actor=who.username,
    )
