"""Card runs and address labels split by card format, without linking a member to a token.

A member's register entry says which card they need (standard, large-print,
ballot-paper, ballot-paper-large).  :func:`issue_by_format` counts, per
format, the members with no card recorded yet and issues that many *fresh,
random* tokens in the format's layout, one file per format.  Which token goes
to which member of the group is decided by whoever puts cards in envelopes;
nothing here (or anywhere) records it.  The labels for the same groups are
written by a separate command.

The cost is a smaller anonymity set: a vote cast with a large-print token
comes from one of the large-print members.  :func:`small_groups` finds the
groups smaller than ``settings.min_format_group`` so ``members report`` can
say so (docs/cards.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlmodel import Session

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
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
    """``cards.pdf`` → ``cards-large-print.pdf``: one file per format."""
    return path.with_name(f"{path.stem}-{card_format}{path.suffix}")


def issue_by_format(
    session: Session,
    ctx: Context,
    election: Election,
    job: print_runs.PrintJob,
    *,
    created: list[Path],
    on_issued: Callable[[int], None] | None = None,
) -> list[FormatRun]:
    """Per format, issue one random token per member without a card and print them in the
    format's layout (``job``'s files get the format in their names).  Call it like
    :func:`print_runs.issue_and_print`: in a transaction inside ``removed_on_failure``."""
    if job.reserve:
        raise InputError(N_("--by-format is for members' cards; reserve stock has no format."))
    groups = members_by_format(session, election, only_without_card=True)
    if not groups:
        raise InputError(
            N_(
                "No registered member is without a card, so --by-format has nothing to issue "
                "(import a register with ballotbox members import, or give --count)."
            )
        )
    jobs = {
        fmt: replace(
            job,
            pdf=format_path(job.pdf, fmt) if job.pdf else None,
            csv=format_path(job.csv, fmt) if job.csv else None,
            layout=FORMAT_LAYOUTS[fmt],
        )
        for fmt in groups
    }
    for each in jobs.values():  # every file checked before the first token is issued
        for path in (each.csv, each.pdf if job.split is None else None):
            if path is not None:
                refuse_existing(path)
    runs = []
    for fmt, group in groups.items():
        result = print_runs.issue_and_print(
            session, ctx, election, len(group), jobs[fmt], created=created, on_issued=on_issued
        )
        runs.append(FormatRun(fmt, jobs[fmt].layout, result))
    return runs


def small_groups(groups: dict[str, int], minimum: int) -> dict[str, int]:
    """The format groups with members but fewer than ``minimum``: small anonymity sets."""
    return {fmt: n for fmt, n in groups.items() if 0 < n < minimum}
