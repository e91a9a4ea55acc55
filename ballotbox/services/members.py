"""Registers, stored: preview and import a register, merge and remove members.

The rules, shared by the CLI and the officer console:

* **Preview first.** :func:`preview_import` says what an import would do (who
  is added, updated, unchanged, gone), every bad row by line and reason, every
  doubtful email or phone, the columns not used and the encoding, and stores
  nothing.  :func:`import_register` does exactly what the preview showed.
* **Removing is explicit and explained.** A member missing from a corrected
  register is removed only when asked (``remove_missing``); merging and
  removing need a reason.  Each is kept in the officer action log.
* **A member who was given a card is never removed** (nor merged away while
  the other record has a card too).  Cards are not linked to members, so
  that card cannot be found or cancelled: it stays valid, and removing the
  member would hide it.  Removing a member with no card recorded is allowed
  until voting closes (their card, if printed, is just spare stock); after the
  close the registers are part of the record and do not change.
* Nothing here sees a token: merging never links a member to a card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from ballotbox.core.errors import (
    InputError,
    MemberHasCardError,
    NotFoundError,
    ReasonRequiredError,
    RegisterFrozenError,
    UnknownCardFormatError,
    UnknownLanguageError,
)
from ballotbox.core.i18n import N_, languages
from ballotbox.core.members.needs import FORMATS, card_format, language
from ballotbox.core.members.registers import FieldWarning, Member, RegisterImport, RowProblem
from ballotbox.services.actions import record_action
from ballotbox.services.context import Context
from ballotbox.storage import repository, repository_admin
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.models_members import RegisteredMember

_FROZEN = {ElectionState.CLOSED, ElectionState.COUNTED, ElectionState.PUBLISHED}
_STORED = ("name", "email", "phone", "postcode", "address", "language")


class UnknownMemberIdError(NotFoundError):
    code = "unknown_member_id"
    template = N_(
        "There is no member with id {id} on the registers of “{slug}” "
        "(ballotbox members duplicates {slug} shows the ids)."
    )


@dataclass(slots=True)
class ImportReport:
    """What an import does (or, as a preview, would do), and everything worth a look."""

    org: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0
    removed: list[Member] = field(default_factory=list)
    missing: list[Member] = field(default_factory=list)  # registered, not in this file
    missing_with_card: list[Member] = field(default_factory=list)  # of those, given a card
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[FieldWarning] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    stored: bool = False


def as_member(row: RegisteredMember) -> Member:
    """A stored member as the plain record the pure readers, dedupe and labels take."""
    lines = tuple(line for line in row.address.splitlines() if line.strip())
    return Member(
        row.org,
        row.number,
        row.name,
        row.email,
        row.postcode,
        lines,
        row.phone,
        key=row.id,
        card_format=row.card_format,
        language=row.language,
    )


def _values(member: Member) -> dict[str, str]:
    return {
        "name": member.name,
        "email": member.email,
        "phone": member.phone,
        "postcode": member.postcode,
        "address": "\n".join(member.address),
        "card_format": member.card_format,
        "language": member.language,
    }


def preview_import(session: Session, election: Election, register: RegisterImport) -> ImportReport:
    """What importing ``register`` would do, with every bad row and warning; stores nothing."""
    assert election.id is not None
    report = ImportReport(
        register.org,
        problems=list(register.problems),
        warnings=list(register.warnings),
        columns=register.columns,
        unknown_columns=list(register.unknown_columns),
        encoding=register.encoding,
    )
    known = {m.number: m for m in repository.members(session, election.id, register.org)}
    seen: set[str] = set()
    for member in register.members:
        seen.add(member.number)
        row = known.get(member.number)
        if row is None:
            report.added += 1
        elif all(getattr(row, k) == v for k, v in _values(member).items()):
            report.unchanged += 1
        else:
            report.updated += 1
    report.missing = [as_member(row) for number, row in known.items() if number not in seen]
    report.missing_with_card = [
        m for m in report.missing if m.key is not None and repository.card_issues(session, m.key)
    ]
    report.not_in_file = len(report.missing)
    return report


def import_register(
    session: Session,
    election: Election,
    register: RegisterImport,
    *,
    remove_missing: bool = False,
    actor: str = "",
    ctx: Context | None = None,
) -> ImportReport:
    """Store a read register: add new members, update known ones (same org and number), and,
    with ``remove_missing``, remove those no longer in it (refused if one was given a card).
    Refused once voting has closed, like every other change to the registers."""
    assert election.id is not None
    _require_unfrozen(election)
    report = preview_import(session, election, register)
    if remove_missing and report.missing:
        for gone in report.missing:
            assert gone.key is not None
            _require_no_card(session, gone.key, gone, N_("removed, so nothing was imported"))
    known = {m.number: m for m in repository.members(session, election.id, register.org)}
    for member in register.members:
        row = known.get(member.number)
        if row is None:
            row = RegisteredMember(election_id=election.id, org=register.org, number=member.number)
        for key, value in _values(member).items():
            setattr(row, key, value)
        session.add(row)
    if remove_missing and report.missing:
        for gone in report.missing:
            repository_admin.delete_member(session, known[gone.number])
        report.removed = list(report.missing)
        numbers = ", ".join(m.number for m in report.removed)
        record_action(
            session,
            actor or "unknown",
            "members_removed",
            election.slug,
            f"{register.org}: {len(report.removed)} not in the re-imported register: {numbers}",
            at=ctx.clock.now() if ctx else None,
        )
    session.flush()
    report.stored = True
    return report


def member_by_id(session: Session, election: Election, member_id: int) -> RegisteredMember:
    """The member with this id on ``election``'s registers, or a clear error."""
    assert election.id is not None
    found = repository_admin.member(session, election.id, member_id)
    if found is None:
        raise UnknownMemberIdError(id=member_id, slug=election.slug)
    return found


def remove_member(
    session: Session, ctx: Context, election: Election, member_id: int, *, reason: str, actor: str
) -> Member:
    """Remove a member from the registers, with the reason logged; refused once they had a card."""
    if not reason.strip():
        raise ReasonRequiredError(action="Removing a member")
    _require_unfrozen(election)
    row = member_by_id(session, election, member_id)
    gone = as_member(row)
    _require_no_card(session, member_id, gone, N_("removed"))
    repository_admin.delete_member(session, row)
    record_action(
        session,
        actor,
        "member_removed",
        election.slug,
        f"{gone.org} {gone.number} ({gone.name}), id {member_id}: {reason.strip()}",
        at=ctx.clock.now(),
    )
    session.flush()
    return gone


def merge_members(
    session: Session,
    ctx: Context,
    election: Election,
    keep_id: int,
    drop_id: int,
    *,
    reason: str,
    actor: str,
) -> Member:
    """Merge two records of one person: ``keep_id`` stays (its blanks filled from the other),
    ``drop_id`` goes; a card recorded for either is kept, but not for both."""
    if not reason.strip():
        raise ReasonRequiredError(action="Merging members")
    if keep_id == drop_id:
        raise InputError(N_("Give two different members to merge, not id {id} twice."), id=keep_id)
    _require_unfrozen(election)
    keep = member_by_id(session, election, keep_id)
    drop = member_by_id(session, election, drop_id)
    kept_cards = repository.card_issues(session, keep_id)
    if kept_cards and repository.card_issues(session, drop_id):
        _require_no_card(session, drop_id, as_member(drop), N_("merged away"))
    dropped = as_member(drop)
    for key in _STORED:
        if not getattr(keep, key) and getattr(drop, key):
            setattr(keep, key, getattr(drop, key))
    session.add(keep)
    repository_admin.move_card_issues(session, drop_id, keep_id)
    repository_admin.delete_member(session, drop)
    record_action(
        session,
        actor,
        "member_merged",
        election.slug,
        f"kept {keep.org} {keep.number} (id {keep_id}), removed {dropped.org} {dropped.number} "
        f"(id {drop_id}): {reason.strip()}",
        at=ctx.clock.now(),
    )
    session.flush()
    return as_member(keep)


def set_member(
    session: Session,
    ctx: Context,
    election: Election,
    member_id: int,
    *,
    card_format_text: str | None = None,
    language_text: str | None = None,
    reason: str,
    actor: str,
) -> Member:
    """Change a member's card format and/or language, with the reason logged; not once closed."""
    if card_format_text is None and language_text is None:
        raise InputError(N_("Give --format and/or --language to change."))
    if not reason.strip():
        raise ReasonRequiredError(action="Changing a member")
    _require_unfrozen(election)
    row = member_by_id(session, election, member_id)
    changes = []
    if card_format_text is not None:
        found = card_format(card_format_text)
        if found is None:
            raise UnknownCardFormatError(value=card_format_text, formats=", ".join(FORMATS))
        changes.append(f"format {row.card_format} -> {found}")
        row.card_format = found
    if language_text is not None:
        code = language(language_text)
        if code is None:
            raise UnknownLanguageError(value=language_text, languages=", ".join(languages()))
        changes.append(f"language {row.language or '-'} -> {code or '-'}")
        row.language = code
    session.add(row)
    record_action(
        session,
        actor,
        "member_changed",
        election.slug,
        f"{row.org} {row.number} (id {member_id}): {'; '.join(changes)}: {reason.strip()}",
        at=ctx.clock.now(),
    )
    session.flush()
    return as_member(row)


def register_frozen(election: Election) -> bool:
    """True once voting has closed: the registers are part of the record and do not change."""
    return election.state in _FROZEN


def _require_unfrozen(election: Election) -> None:
    if register_frozen(election):
        raise RegisterFrozenError(slug=election.slug)


def _require_no_card(session: Session, member_id: int, member: Member, action: str) -> None:
    issues = repository.card_issues(session, member_id)
    if issues:
        first = issues[0]
        raise MemberHasCardError(
            org=member.org,
            number=member.number,
            how=first.how,
            on=first.issued_on.isoformat(),
            action=action,
        )
