"""Card issuance from the officers' console: record that a member was handed a card, one at a
time or a CSV of many; the stock reconciliation.

The rules are :mod:`ballotbox.services.issuance_register`'s (the CLI's ``members issued``):
this module checks the role, reads the form, and writes the officer log.  What is recorded is
*that* a member received a card, how, on which day and from whom — never which card, so nothing
here (nor the log, which names no member) links a member to a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ballotbox.core.errors import InputError, StateError
from ballotbox.core.i18n import N_
from ballotbox.services import issuance_register as registry
from ballotbox.services import officer_log
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_of
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState
from ballotbox.storage.models_members import CardIssue
from ballotbox.storage.models_postal import Teller

HOW = registry.HOW
MAX_BY = 100


class SecondCardError(StateError):
    """A second card recorded without saying it is a replacement."""

    code = "already_issued"
    # i18n: officer
    template = N_(
        "{org} member {number} already received a card ({how}, {on}, by {by}). To record a "
        "second card, tick “Replacement card” and give the reason; it voids nothing, so the "
        "first card stays valid."
    )


@dataclass(frozen=True)
class HandoutForm:
    """The "Record a card handed out" form as sent (every field text, as typed)."""

    number: str
    org: str = ""
    how: str = ""
    by: str = ""
    on: str = ""
    reissue: bool = False
    reason: str = ""


@dataclass(frozen=True)
class IssuanceView:
    """What the registers page shows about cards: the stock, and the form's defaults."""

    lines: list[registry.StockLine]
    today: date
    open: bool  # cards may still be handed out (the ballot is a draft or open)


def today(ctx: Context, election: Election) -> date:
    """Today's date in the ballot's time zone."""
    return ctx.clock.now().astimezone(ZoneInfo(definition_of(election).zone)).date()


def view(session: Session, ctx: Context, who: Teller, slug: str) -> IssuanceView:
    """The stock reconciliation (counts only, no one's details) and the form's defaults."""
    require(who, Permission.OVERSEE)
    election = repository.election_by_slug(session, slug)
    return IssuanceView(
        registry.stock_reconciliation(session, election),
        today(ctx, election),
        election.state in (ElectionState.DRAFT, ElectionState.OPEN),
    )


def _day(text: str, election: Election, ctx: Context) -> date:
    if not text.strip():
        return today(ctx, election)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        # i18n: officer
        raise InputError(N_("Give the date as YYYY-MM-DD, not “{text}”."), text=text) from None


def _handout(form: HandoutForm, who: Teller, election: Election, ctx: Context) -> registry.Handout:
    if form.reissue and not form.reason.strip():
        # i18n: officer
        raise InputError(N_("A replacement card needs a reason, e.g. “card lost in the post”."))
    if not form.reissue and form.reason.strip():
        # i18n: officer
        raise InputError(N_("A reason is only for a replacement card: tick “Replacement card”."))
    return registry.Handout(
        how=form.how.strip().lower(),
        by=(form.by.strip() or who.username)[:MAX_BY],
        on=_day(form.on, election, ctx),
        reissue=form.reissue,
        reason=form.reason.strip(),
    )


def record(session: Session, ctx: Context, who: Teller, slug: str, form: HandoutForm) -> CardIssue:
    """Record that one member was handed a card (never which); a second one must be a
    replacement with a reason.  The officer log names no member."""
    require(who, Permission.RUN_BALLOTS)
    election = repository.election_by_slug(session, slug)
    handout = _handout(form, who, election, ctx)
    member = registry.find_member(session, election, form.number, form.org.strip() or None)
    try:
        issue = registry.record_issue(session, ctx, election, member, handout)
    except registry.AlreadyIssuedError as error:
        raise SecondCardError(**error.params) from None
    kind = "replacement card" if issue.nth > 1 else "first card"
    reason = f"; reason: {issue.reason}" if issue.reason else ""
    officer_log.record(
        session,
        ctx,
        who,
        "card_handed_out",
        ballot=election.slug,
        detail=f"{kind}, {issue.how}, by {issue.issued_by} on {issue.issued_on}{reason}",
    )
    return issue


def record_file(
    session: Session,
    ctx: Context,
    who: Teller,
    slug: str,
    filename: str,
    data: bytes,
    form: HandoutForm,
) -> int:
    """Record first cards for every row of a CSV (all or nothing; every bad row by line);
    ``form`` gives the how, by and date for rows that leave them out."""
    require(who, Permission.RUN_BALLOTS)
    election = repository.election_by_slug(session, slug)
    if not data:
        # i18n: officer
        raise InputError(N_("Choose the CSV file of cards handed out."))
    default = _handout(
        HandoutForm(number="", how=form.how, by=form.by, on=form.on), who, election, ctx
    )
    count = registry.record_bulk(session, ctx, election, filename, data, default)
    officer_log.record(
        session,
        ctx,
        who,
        "cards_handed_out",
        ballot=election.slug,
        detail=f"{count} first card(s) from {filename}",
    )
    return count
