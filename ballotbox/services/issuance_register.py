"""The member register and the card issuance register, stored: who may get a card, who got one.

DB-backed services over the pure readers in ``ballotbox.core.members.registers`` and
``ballotbox.core.members.dedupe``.  The rule that matters: a ``CardIssue`` records *that* a
member received a card, how, on which day and from whom — never which card.
Nothing here sees a token, a keyed hash or a serial, so nothing stored here
can link a member to a vote.

A member gets one card per election.  A second one needs an explicit reissue
with a reason; it is recorded like the first (``nth`` 2, 3…), counted in the
stock reconciliation, and voids nothing: the lost card cannot be identified,
so it stays valid.  Once voting is open every card handed out comes from the
reserve stock printed before opening.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ballotbox.core.csvtext import rows as csv_rows
from ballotbox.core.errors import (
    FileFormatError,
    InputError,
    LifecycleError,
    NotFoundError,
    StateError,
)
from ballotbox.core.i18n import N_
from ballotbox.core.members.dedupe import DuplicateGroup, find_duplicates
from ballotbox.core.members.encodings import decode_register
from ballotbox.core.members.registers import (
    SYNONYMS,
    RowProblem,
    normalise_header,
)
from ballotbox.services.context import Context
from ballotbox.services.members import ImportReport, as_member, import_register
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState, TokenState
from ballotbox.storage.models_members import CardIssue, RegisteredMember

__all__ = ["ImportReport", "as_member", "import_register"]  # kept here for existing callers

HOW = ("meeting", "post", "office", "other")
_ORG_HEADERS = ("org", "organisation", "organization", "register", "branch")
_HOW_HEADERS = ("how",)
_BY_HEADERS = ("by", "issuedby", "teller", "givenby")
_DATE_HEADERS = ("date", "issuedon", "on", "when")


class UnknownMemberError(NotFoundError):
    code = "unknown_member"
    template = N_("There is no member {number} on the registers of “{slug}”.")


class AmbiguousMemberError(InputError):
    code = "ambiguous_member"
    template = N_("Membership number {number} is on several registers ({orgs}); give --org.")


class AlreadyIssuedError(StateError):
    code = "already_issued"
    template = N_(
        "{org} member {number} already received a card ({how}, {on}, by {by}). A second card "
        'needs --reissue --reason "…"; it voids nothing, so the first card stays valid.'
    )


class IssueFileError(InputError):
    """A bulk issuance file with bad rows; ``problems`` lists each (line, reason)."""

    code = "issue_file"
    template = N_("{source}: {count} row(s) have problems; nothing was recorded:\n{listing}")

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.problems = problems
        listing = "\n".join(f"  line {p.line}: {p.reason}" for p in problems)
        super().__init__(source=source, count=len(problems), listing=listing)


@dataclass(frozen=True, slots=True)
class Handout:
    """How a card reached a member; ``reserve`` None means: decided by the election's state."""

    how: str
    by: str
    on: date
    reissue: bool = False
    reason: str = ""
    reserve: bool | None = None


@dataclass(frozen=True, slots=True)
class StockLine:
    """One line of the stock reconciliation."""

    item: str
    count: int


def duplicates(session: Session, election: Election) -> list[DuplicateGroup]:
    """Members listed more than once across the election's registers, for a person to resolve."""
    assert election.id is not None
    return find_duplicates(as_member(m) for m in repository.members(session, election.id))


def find_member(
    session: Session, election: Election, number: str, org: str | None = None
) -> RegisteredMember:
    """The member with ``number`` (on ``org``'s register when given), or a clear error."""
    assert election.id is not None
    found = repository.members_numbered(session, election.id, number.strip())
    if org is not None:
        found = [m for m in found if m.org == org]
    if not found:
        shown = number if org is None else f"{number} of {org}"
        raise UnknownMemberError(number=shown, slug=election.slug)
    if len(found) > 1:
        raise AmbiguousMemberError(number=number, orgs=", ".join(m.org for m in found))
    return found[0]


def record_issue(
    session: Session, ctx: Context, election: Election, member: RegisteredMember, handout: Handout
) -> CardIssue:
    """Record that ``member`` received a card (never which); a second card must be a reissue."""
    _check_handout(election, handout)
    assert member.id is not None
    earlier = repository.card_issues(session, member.id)
    if earlier and not handout.reissue:
        first = earlier[0]
        raise AlreadyIssuedError(
            org=member.org,
            number=member.number,
            how=first.how,
            on=first.issued_on.isoformat(),
            by=first.issued_by,
        )
    if handout.reissue and not earlier:
        raise InputError(
            N_("{org} member {number} has not had a card yet; record it without --reissue."),
            org=member.org,
            number=member.number,
        )
    reserve = handout.reserve
    if reserve is None:
        reserve = election.state != ElectionState.DRAFT
    issue = CardIssue(
        member_id=member.id,
        nth=len(earlier) + 1,
        how=handout.how,
        issued_by=handout.by.strip(),
        issued_on=handout.on,
        recorded_at=ctx.clock.now(),
        reserve=reserve,
        reason=handout.reason.strip(),
    )
    session.add(issue)
    try:
        session.flush()
    except IntegrityError:  # recorded at the same moment by someone else
        raise AlreadyIssuedError(
            org=member.org, number=member.number, how=handout.how, on="just now", by="another user"
        ) from None
    return issue


def _check_handout(election: Election, handout: Handout) -> None:
    if election.state not in (ElectionState.DRAFT, ElectionState.OPEN):
        raise LifecycleError(
            N_("Voting in “{slug}” has closed; no more cards can be handed out."),
            slug=election.slug,
        )
    if not handout.how:
        raise InputError(N_("Say how the card was handed out: --how {known}."), known="|".join(HOW))
    if handout.how not in HOW:
        raise InputError(
            N_("--how must be one of {known}, not “{how}”."), known=", ".join(HOW), how=handout.how
        )
    if not handout.by.strip():
        raise InputError(N_("Say who handed the card out (--by)."))
    if handout.reissue and not handout.reason.strip():
        raise InputError(N_('A reissue needs a reason (--reason "card lost in the post").'))
    if not handout.reissue and handout.reason.strip():
        raise InputError(N_("--reason goes with --reissue."))


def record_bulk(
    session: Session, ctx: Context, election: Election, source: str, data: bytes, default: Handout
) -> int:
    """Record first cards for every row of a CSV (membership number, optional org, how, by,
    date); any bad row records nothing and every problem is reported with its line."""
    if default.reissue:
        raise InputError(N_("Reissues are recorded one at a time, each with its own reason."))
    text = decode_register(data, source).text
    rows = list(csv_rows(csv.reader(io.StringIO(text, newline="")), source))
    header_at = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)
    if header_at is None:
        raise FileFormatError("the file is empty", source=source)
    header = [normalise_header(h) for h in rows[header_at]]

    def column(names: tuple[str, ...]) -> int | None:
        return next((i for i, h in enumerate(header) if h in names), None)

    number_at = column(SYNONYMS["number"])
    if number_at is None:
        raise FileFormatError(
            "no membership number column; the columns are: " + ", ".join(rows[header_at]),
            source=source,
            line=header_at + 1,
        )
    org_at, how_at = column(_ORG_HEADERS), column(_HOW_HEADERS)
    by_at, date_at = column(_BY_HEADERS), column(_DATE_HEADERS)
    problems: list[RowProblem] = []
    planned: list[tuple[RegisteredMember, Handout]] = []
    seen: dict[int, int] = {}
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(at: int | None, fallback: str = "", row: list[str] = row) -> str:
            value = row[at].strip() if at is not None and at < len(row) else ""
            return value or fallback

        try:
            on = date.fromisoformat(cell(date_at)) if cell(date_at) else default.on
            handout = Handout(
                how=cell(how_at, default.how).lower(),
                by=cell(by_at, default.by),
                on=on,
                reserve=default.reserve,
            )
            _check_handout(election, handout)
            member = find_member(session, election, cell(number_at), cell(org_at) or None)
        except ValueError:
            problems.append(RowProblem(line, f"“{cell(date_at)}” is not a date (YYYY-MM-DD)"))
            continue
        except (InputError, NotFoundError) as error:
            problems.append(RowProblem(line, error.message.split("\n")[0]))
            continue
        assert member.id is not None
        if member.id in seen:
            problems.append(RowProblem(line, f"{member.number} is also on line {seen[member.id]}"))
            continue
        seen[member.id] = line
        if repository.card_issues(session, member.id):
            problems.append(RowProblem(line, f"{member.org} member {member.number} has a card"))
            continue
        planned.append((member, handout))
    if problems:
        raise IssueFileError(source, problems)
    for member, handout in planned:
        record_issue(session, ctx, election, member, handout)
    return len(planned)


def stock_reconciliation(session: Session, election: Election) -> list[StockLine]:
    """Cards printed, voided and handed out, and what should be left, as (item, count) lines."""
    assert election.id is not None
    runs = repository.card_runs(session, election.id)
    printed = Counter({reserve: 0 for reserve in (False, True)})
    for run in runs:
        printed[run.reserve] += run.cards
    tokens = repository.token_counts(session, election.id)
    issues = repository.all_card_issues(session, election.id)
    handed = Counter(issue.reserve for issue in issues)
    first = sum(1 for issue in issues if issue.nth == 1)
    by_how = Counter(issue.how for issue in issues if issue.nth == 1)
    voided = tokens.get(TokenState.VOID, 0)
    members = len(repository.members(session, election.id))
    without = len(repository.members_without_card(session, election.id))
    lines = [
        StockLine("cards printed, main stock", printed[False]),
        StockLine("cards printed, reserve stock", printed[True]),
        StockLine("tokens issued in the database", sum(tokens.values())),
        StockLine("cards voided (spoiled or left over)", voided),
        StockLine("cards handed out, main stock", handed[False]),
        StockLine("cards handed out, reserve stock", handed[True]),
        *(StockLine(f"first cards handed out: {how}", by_how[how]) for how in HOW if by_how[how]),
        StockLine("replacement cards (reissues; the lost cards stay valid)", len(issues) - first),
        StockLine(
            "cards neither handed out nor voided",
            printed[False] + printed[True] - len(issues) - voided,
        ),
        StockLine("reserve cards left", printed[True] - handed[True]),
        StockLine("members on the registers", members),
        StockLine("members with a card", members - without),
        StockLine("members without a card", without),
    ]
    return lines
