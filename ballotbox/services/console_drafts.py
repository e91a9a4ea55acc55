"""The console's drafts and costs: the draft form, TOML export, deleting a draft, the forecast.

Each function checks the signed-in account's role and goes through the same
service as the CLI: :mod:`ballotbox.services.elections` to create,
:mod:`ballotbox.services.drafts` to edit or delete (which refuses once cards
exist), :mod:`ballotbox.services.costs` for the forecast.  The form's checks
are the TOML's (:mod:`ballotbox.services.draft_form`).

The cost page's unit prices start from the settings (``BALLOTBOX_PRICE_*``,
docs/costs.md), the installation's real prices in one place that the CLI
reads too; the page lets an officer try other prices and assumptions for
that view only (they travel in the page's address, are not stored and
change nothing), so a scrutineer can follow the same figures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlmodel import Session

from ballotbox.core.errors import DraftLockedError, InputError
from ballotbox.core.i18n import N_, _
from ballotbox.definition import ElectionDefinition, document_toml
from ballotbox.services import costs, drafts, elections, officer_log
from ballotbox.services.accounts import require
from ballotbox.services.context import Context
from ballotbox.services.draft_check import Problem, validate
from ballotbox.services.draft_form import DraftForm, from_definition
from ballotbox.services.elections import definition_document, definition_of
from ballotbox.services.roles import Permission
from ballotbox.storage import repository
from ballotbox.storage.models import Election
from ballotbox.storage.models_postal import Teller


@dataclass(frozen=True)
class DraftPage:
    """A ballot's draft form: the ballot, the form filled in, and why it is locked (if it is)."""

    election: Election
    form: DraftForm
    locked: str | None


def new_form(who: Teller) -> None:
    """Check that ``who`` may create ballots (the form itself is empty)."""
    require(who, Permission.RUN_BALLOTS)


def create_from_form(
    session: Session, ctx: Context, who: Teller, form: DraftForm
) -> Election | list[Problem]:
    """Create a draft from the form, or return every problem (nothing is stored then)."""
    require(who, Permission.RUN_BALLOTS)
    definition, problems = validate(form)
    if definition is None:
        return problems
    election = elections.create(session, ctx, definition)
    officer_log.record(session, ctx, who, "ballot_created", ballot=election.slug, detail="form")
    return election


def edit_page(session: Session, who: Teller, slug: str) -> DraftPage:
    """The form for a ballot's definition, with why it can no longer change (if so)."""
    require(who, Permission.RUN_BALLOTS)
    election = repository.election_by_slug(session, slug)
    form = from_definition(definition_of(election))
    return DraftPage(election, form, drafts.locked_reason(session, election))


def _unlocked(session: Session, election: Election, action: str) -> None:
    why = drafts.locked_reason(session, election)
    if why is not None:
        raise DraftLockedError(slug=election.slug, action=_(action), why=why)


def edit_from_form(
    session: Session, ctx: Context, who: Teller, slug: str, form: DraftForm
) -> Election | list[Problem]:
    """Replace a draft's definition from the form (refused once cards exist), or every problem."""
    require(who, Permission.RUN_BALLOTS)
    election = repository.election_by_slug(session, slug)
    _unlocked(session, election, N_("edited"))
    form.slug = election.slug  # the slug cannot change (the form shows it, does not post it)
    definition, problems = validate(form)
    if definition is None:
        return problems
    drafts.replace_definition(session, ctx, election, definition, actor=who.username)
    return election


def delete_page(session: Session, who: Teller, slug: str) -> tuple[Election, str | None, int]:
    """The ballot to delete, why it cannot be (if so) and its registered members."""
    require(who, Permission.RUN_BALLOTS)
    election = repository.election_by_slug(session, slug)
    assert election.id is not None
    members = len(repository.members(session, election.id))
    return election, drafts.locked_reason(session, election), members


def delete(session: Session, ctx: Context, who: Teller, slug: str) -> None:
    """Delete a draft with its registers (refused once any card exists for it)."""
    require(who, Permission.RUN_BALLOTS)
    drafts.delete_draft(
        session, ctx, repository.election_by_slug(session, slug), actor=who.username
    )


def export_toml(session: Session, who: Teller, slug: str) -> str:
    """The ballot's stored definition as TOML: what ``election create`` reads back to the same
    definition (and commitment).  The definition is public, so scrutineers may read it."""
    require(who, Permission.OVERSEE)
    return document_toml(definition_document(repository.election_by_slug(session, slug)))


def definition(session: Session, who: Teller, slug: str) -> ElectionDefinition:
    """A ballot's validated definition."""
    require(who, Permission.OVERSEE)
    return definition_of(repository.election_by_slug(session, slug))


# -- the cost forecast -----------------------------------------------------------------------

#: The unit prices a page may try, by setting name, and what each prices.
PRICES = {
    "price_print_card": N_("Printing one ballot card"),
    "price_print_large_print": N_("Printing one large-print card"),
    "price_print_ballot_paper": N_("Printing one postal ballot paper"),
    "price_postage_letter": N_("Posting one letter"),
    "price_sms_segment": N_("One SMS segment"),
    "price_phone_minute": N_("One minute of a phone call"),
}
COUNTS = {
    "members": N_("Members to plan for"),
    "cards": N_("Ballot cards to print"),
    "large_print": N_("Large-print cards to print"),
    "papers": N_("Postal ballot papers to print and post"),
    "posted": N_("Cards posted to members"),
}
SHARES = {
    "turnout": N_("Expected turnout"),
    "sms_share": N_("Share of voters by SMS"),
    "phone_share": N_("Share of voters by phone"),
}
MAX_PRICE = Decimal(1000)


@dataclass
class CostPage:
    """The forecast for the figures asked (or the defaults), what was typed, and any problem."""

    report: costs.CostReport
    wanted: costs.Assumptions
    values: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)


def _share(text: str) -> float:
    """A share typed as 0.4 or 40%."""
    text = text.strip()
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0 <= value <= 1:
        raise ValueError
    return value


def cost_page(
    session: Session, ctx: Context, who: Teller, slug: str, asked: Mapping[str, str]
) -> CostPage:
    """The forecast and the cost so far with the prices and assumptions asked, where valid.

    A figure that cannot be read is reported by its field and the default is
    used for it, so the page always shows a forecast.
    """
    require(who, Permission.OVERSEE)
    election = repository.election_by_slug(session, slug)
    settings = ctx.settings
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    prices: dict[str, Decimal] = {}
    for name in PRICES:
        typed = asked.get(name, "").strip()
        values[name] = typed or str(getattr(settings, name))
        if not typed:
            continue
        try:
            price = Decimal(typed)
            if not (0 <= price <= MAX_PRICE) or not price.is_finite():
                raise InvalidOperation
            prices[name] = price
        except InvalidOperation:
            problems[name] = _("Give a price such as 0.06 (0 to 1000).")
    wanted: dict[str, object] = {}
    for name in COUNTS:
        typed = asked.get(name, "").strip()
        values[name] = typed
        if not typed:
            continue
        if re.fullmatch(r"\d{1,9}", typed):
            wanted[name] = int(typed)
        else:
            problems[name] = _("Give a whole number, 0 or more, or leave it empty.")
    defaults = costs.Assumptions()
    for name in SHARES:
        typed = asked.get(name, "").strip()
        values[name] = typed or str(getattr(defaults, name))
        if not typed:
            continue
        try:
            wanted[name] = _share(typed)
        except ValueError:
            problems[name] = _("Give a share from 0 to 1 (0.4 is 40%).")
    sms = float(wanted.get("sms_share", defaults.sms_share))  # type: ignore[arg-type]
    phone = float(wanted.get("phone_share", defaults.phone_share))  # type: ignore[arg-type]
    if sms + phone > 1:
        problems["sms_share"] = _("The SMS and phone shares add up to more than 1.")
        wanted.pop("sms_share", None)
        wanted.pop("phone_share", None)
    assumptions = costs.Assumptions(**wanted)  # type: ignore[arg-type]
    try:
        assumptions.check()
    except InputError:  # the checks above catch what check() refuses; keep the defaults if not
        assumptions = costs.Assumptions()
    priced = settings.model_copy(update=prices)
    report = costs.cost_report(session, priced, election, assumptions)
    return CostPage(report, assumptions, values, problems)
