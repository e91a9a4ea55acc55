"""Card runs and address labels split by card format, without linking a member to a token.

A member's register entry says which card they need (standard, large-print,
ballot-paper, ballot-paper-large).  :func:`issue_by_format` counts, per
format, the members with no card recorded yet and issues that many *fresh,
random* tokens in the format's layout, one file per format.  Which token goes
to which member of the group is decided by whoever puts cards in envelopes;
nothing here (or anywhere) records it.  The labels for the same groups are
written by a separate command.

With ``by_language`` each format group is split again by the language the
register records (``member.language``): the Welsh members' standard cards
are printed in Welsh only, the English members' in English, and members with
no language recorded get the ballot's own languages (bilingual when it lists
two).  A bilingual standard card is printed on the ``postcard`` layout: a
business card has no room for two languages at 8 pt.

The cost is a smaller anonymity set: a vote cast with a large-print token
comes from one of the large-print members, and a Welsh large-print token from
one of the Welsh large-print members.  :func:`small_groups` finds the groups
smaller than ``settings.min_format_group`` so ``members report`` can say so
(docs/cards.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_, normalise
from ballotbox.core.members.needs import FORMAT_LAYOUTS, FORMATS
from ballotbox.core.members.registers import Member
from ballotbox.core.printing.outputs import refuse_existing
from ballotbox.services import print_runs
from ballotbox.services.context import Context
from ballotbox.services.members import as_member
from ballotbox.storage import repository
from ballotbox.storage.models import Election


@dataclass(frozen=True, slots=True)
class FormatRun:
    """One format's part of a split run: how many members, and what was printed for them."""

    card_format: str
    layout: str
    result: print_runs.PrintResult
    language: str = ""  # "" when printed in the ballot's own languages


Group = tuple[str, str]
"""(card format, language): ``("large-print", "cy")``; language "" for the ballot's own."""


def group_name(group: Group) -> str:
    """A group as file names and reports write it: ``standard``, ``large-print-cy``."""
    fmt, language = group
    return f"{fmt}-{language}" if language else fmt


def member_language(member: Member) -> str:
    """The language a member's card is printed in when split by language ("" if none recorded)."""
    return normalise(member.language) or "" if member.language else ""


def by_group(members: list[Member], *, by_language: bool) -> dict[Group, list[Member]]:
    """Members grouped by card format (and language), formats in the order of ``FORMATS``."""
    groups: dict[Group, list[Member]] = {}
    for member in sorted(members, key=lambda m: _FORMAT_ORDER.get(m.card_format, len(FORMATS))):
        language = member_language(member) if by_language else ""
        groups.setdefault((member.card_format, language), []).append(member)
    return groups


_FORMAT_ORDER = {fmt: n for n, fmt in enumerate(FORMATS)}


def members_by_group(
    session: Session, election: Election, *, only_without_card: bool, by_language: bool
) -> dict[Group, list[Member]]:
    """The election's members (or those with no card yet) by card format and language."""
    assert election.id is not None
    rows = (
        repository.members_without_card(session, election.id)
        if only_without_card
        else repository.members(session, election.id)
    )
    return by_group([as_member(row) for row in rows], by_language=by_language)


def group_layout(election: Election, ctx: Context, group: Group) -> str:
    """The layout a group is printed in: its format's; a postcard for a standard card whose text
    (bilingual, or in a longer language) does not fit a business card's two sides."""
    fmt, language = group
    layout = FORMAT_LAYOUTS[fmt]
    if layout == "business":  # never smaller type: a postcard when the text needs more room
        return print_runs.default_layout(election, ctx, language or None)
    return layout


def by_format(members: list[Member]) -> dict[str, list[Member]]:
    """Members grouped by card format, in the order of ``FORMATS``; empty groups left out."""
    groups: dict[str, list[Member]] = {f: [] for f in FORMATS}
    for member in members:
        groups.setdefault(member.card_format, []).append(member)
    return {f: group for f, group in groups.items() if group}


def members_by_format(
    session: Session, election: Election, *, only_without_card: bool
) -> dict[str, list[Member]]:
    """The election's members (or those with no card yet) grouped by card format."""
    assert election.id is not None
    rows = (
        repository.members_without_card(session, election.id)
        if only_without_card
        else repository.members(session, election.id)
    )
    return by_format([as_member(row) for row in rows])


def format_path(path: Path, card_format: str) -> Path:
    """``cards.pdf`` → ``cards-large-print.pdf``: one file per format (and language)."""
    return path.with_name(f"{path.stem}-{card_format}{path.suffix}")


def issue_by_format(
    session: Session,
    ctx: Context,
    election: Election,
    job: print_runs.PrintJob,
    *,
    created: list[Path],
    on_issued: Callable[[int], None] | None = None,
    by_language: bool = False,
) -> list[FormatRun]:
    """Per format (and language), issue one random token per member without a card and print
    them in the format's layout (``job``'s files get the group in their names).  Call it like
    :func:`print_runs.issue_and_print`: in a transaction inside ``removed_on_failure``."""
    if job.reserve:
        raise InputError(N_("--by-format is for members' cards; reserve stock has no format."))
    groups = members_by_group(session, election, only_without_card=True, by_language=by_language)
    if not groups:
        raise InputError(
            N_(
                "No registered member is without a card, so --by-format has nothing to issue "
                "(import a register with ballotbox members import, or give --count)."
            )
        )
    jobs = {
        group: replace(
            job,
            pdf=format_path(job.pdf, group_name(group)) if job.pdf else None,
            csv=format_path(job.csv, group_name(group)) if job.csv else None,
            layout=group_layout(election, ctx, group),
            language=group[1] or None,
        )
        for group in groups
    }
    for each in jobs.values():  # every file checked before the first token is issued
        for path in (each.csv, each.pdf if job.split is None else None):
            if path is not None:
                refuse_existing(path)
        print_runs.preflight(each, print_runs.job_info(election, ctx, each))
    runs = []
    for group, members in groups.items():
        each = jobs[group]
        result = print_runs.issue_and_print(
            session, ctx, election, len(members), each, created=created, on_issued=on_issued
        )
        runs.append(FormatRun(group[0], each.layout, result, language=group[1]))
    return runs


def small_groups(groups: dict[str, int], minimum: int) -> dict[str, int]:
    """The format groups with members but fewer than ``minimum``: small anonymity sets."""
    return {fmt: n for fmt, n in groups.items() if 0 < n < minimum}


def small_language_groups(members: list[Member], minimum: int) -> dict[Group, int]:
    """The format × language groups under ``minimum`` that splitting by language would make.

    Only formats whose members are split in two or more groups by language are
    listed: a format that one language covers is its format group, warned of already.
    """
    groups = by_group(members, by_language=True)
    per_format: dict[str, int] = {}
    for fmt, _language in groups:
        per_format[fmt] = per_format.get(fmt, 0) + 1
    return {
        group: len(found)
        for group, found in groups.items()
        if per_format[group[0]] > 1 and 0 < len(found) < minimum
    }
