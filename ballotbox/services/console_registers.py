"""Registers from the officers' console: upload, preview, confirm; the duplicates review.

The rules are :mod:`ballotbox.services.members`' (the CLI's): this module
checks the role, keeps the upload between the preview and the confirmation,
and writes the officer log.

**What is imported is exactly what was previewed.**  The file stays on the
server between the two (:mod:`ballotbox.services.register_uploads`): the
confirmation names only its random id, so the bytes imported are the bytes
previewed, whatever the browser sends, and no member is stored before it.
The confirmation also carries a digest of what the preview showed (the
file's SHA-256 and who would be added, changed, kept or gone): if the
registers changed in between (another officer's import, a merge), nothing is
imported and the new preview is shown, so an officer never confirms an
import that does something other than what they read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlmodel import Session

from ballotbox.core.errors import InputError, RegisterFrozenError, StateError
from ballotbox.core.i18n import N_
from ballotbox.core.members.dedupe import DuplicateGroup
from ballotbox.core.members.needs import FORMATS
from ballotbox.core.members.registers import Member, RegisterImport, read_register
from ballotbox.services import issuance_register, members, officer_log, register_uploads
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.register_uploads import Upload
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.aftercommit import after_commit
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import Teller

MAX_ORG = 100  # the register's column width


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
    read_register(
        data, org, name=register_uploads.label(filename)
    )  # refuses an unknown encoding, a file with no header
    return register_uploads.keep(ctx, election.slug, org, filename, who.username, data)


def _load(ctx: Context, who: Teller, slug: str, upload_id: str) -> tuple[Upload, bytes]:
    return register_uploads.load(ctx, who.username, slug, upload_id)


def _preview(
    session: Session, election: Election, kept: Upload, data: bytes
) -> tuple[Preview, RegisterImport]:
    read = read_register(data, kept.org, name=kept.filename)
    report = members.preview_import(session, election, read)
    return Preview(kept, report, _digest(kept, report)), read


def preview(session: Session, ctx: Context, who: Teller, slug: str, upload_id: str) -> Preview:
    """What importing a kept upload would do: every bad row, warning, unknown column; stores
    nothing."""
    require(who, Permission.RUN_BALLOTS)
    kept, data = _load(ctx, who, slug, upload_id)
    return _preview(session, _election(session, slug), kept, data)[0]


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
    # Two confirmations of one upload (a double click) take turns: the second finds the upload
    # deleted, or the registers changed, and says so (SQLite's transactions already take turns).
    session.refresh(election, with_for_update=True)
    kept, data = _load(ctx, who, slug, upload_id)
    now, read = _preview(session, election, kept, data)
    if now.digest != digest:
        raise PreviewChangedError()
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
    after_commit(
        session, ("register-upload", upload_id), lambda: register_uploads.delete(ctx, upload_id)
    )
    return report


def discard(ctx: Context, who: Teller, slug: str, upload_id: str) -> None:
    """Cancel an upload: its file is deleted from the server now."""
    require(who, Permission.RUN_BALLOTS)
    kept, _data = _load(ctx, who, slug, upload_id)
    register_uploads.delete(ctx, kept.id)


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
