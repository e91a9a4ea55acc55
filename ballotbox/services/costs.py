"""What a ballot will cost, by channel, and what it has cost so far.

The forecast multiplies what the ballot needs (cards, large-print cards and
postal ballot papers printed, letters posted out and back, SMS segments, call
minutes) by the unit prices in the settings (``BALLOTBOX_PRICE_*``).  The
assumptions it needs (turnout, the share of voters by SMS and by phone,
segments per SMS vote, minutes per call) are explicit parameters with
documented defaults (docs/costs.md); the web channel costs nothing per vote.

"So far" counts what has happened: cards printed (the print runs), cards
recorded as posted, letters received in postal batches, and the SMS segments
and call minutes counted by the SMS and phone adapters.  Those are bare
per-ballot totals (:class:`~ballotbox.storage.models_actions.UsageCounter`):
no number, no token, no time.  A text or call that named no single ballot is
counted under the scope "" and shown as unattributed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from ballotbox.config import Settings
from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_of, effective_state
from ballotbox.storage import repository, repository_admin
from ballotbox.storage.db import before_commit
from ballotbox.storage.models import Election, ElectionState

SMS_IN, SMS_OUT = "sms_segments_in", "sms_segments_out"
CALLS, CALL_MINUTES = "calls", "call_minutes"
UNATTRIBUTED = ""


def count_usage(session: Session, scope: str, kind: str, amount: int) -> None:
    """Add ``amount`` to a ballot's usage counter (``scope`` "" when no single ballot is known)."""
    if amount > 0:
        repository_admin.add_usage(session, scope, kind, amount)
        session.flush()


def count_on_commit(session: Session, scope: str, amounts: dict[str, int]) -> None:
    """Add ``amounts`` (kind → count) to ``scope``'s usage as ``session``'s transaction commits.

    For what a cast's own transaction pays for (a voting text and its receipt):
    counted exactly when the vote is, in one statement for the whole batch.
    """
    pending = before_commit(session, _PENDING_USAGE, repository_admin.add_usages)
    pending.extend((scope, kind, n) for kind, n in amounts.items())


_PENDING_USAGE = "ballotbox_usage"


def count_call(session: Session, scope: str, seconds: int) -> None:
    """Count one finished call, in minutes as telephone lines bill them (each started minute)."""
    count_usage(session, scope, CALLS, 1)
    count_usage(session, scope, CALL_MINUTES, max(1, math.ceil(seconds / 60)))


def metered_scope(session: Session, ctx: Context, channel: str) -> str:
    """The slug of the one ballot open on ``channel`` now, else "" (unattributed)."""
    now = ctx.clock.now()
    open_ = [
        e.slug
        for e in repository.elections(session, [ElectionState.DRAFT, ElectionState.OPEN])
        if effective_state(e, now) == ElectionState.OPEN and channel in definition_of(e).channels
    ]
    return open_[0] if len(open_) == 1 else UNATTRIBUTED


@dataclass(frozen=True, slots=True)
class Assumptions:
    """What the forecast is asked for, and what it assumes; every default is in docs/costs.md.

    ``None`` counts default from the register: a large-print card for each member whose
    format is large-print, a postal ballot paper for each whose format is a ballot paper,
    a card for every other member, each posted.
    """

    members: int | None = None
    cards: int | None = None
    large_print: int | None = None
    papers: int | None = None
    posted: int | None = None
    turnout: float = 0.5
    sms_share: float = 0.15
    phone_share: float = 0.10
    segments_per_sms_vote: int = 3
    minutes_per_call: int = 3

    def check(self) -> None:
        """Refuse negative counts and shares outside 0 to 1, naming the option."""
        for name in ("members", "cards", "large_print", "papers", "posted"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(N_("--{name} cannot be negative."), name=name.replace("_", "-"))
        for name in ("turnout", "sms_share", "phone_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(
                    N_("--{name} is a share between 0 and 1 (0.5 is half), not {value}."),
                    name=name.replace("_", "-"),
                    value=getattr(self, name),
                )
        if self.sms_share + self.phone_share > 1:
            raise InputError(N_("--sms-share and --phone-share add up to more than 1."))


@dataclass(frozen=True, slots=True)
class CostLine:
    """One item of the bill: how many, at what unit price, forecast and so far."""

    channel: str
    item: str
    unit_price: Decimal
    forecast: int
    so_far: int

    @property
    def forecast_cost(self) -> Decimal:
        """The forecast quantity at the unit price."""
        return money(self.unit_price * self.forecast)

    @property
    def so_far_cost(self) -> Decimal:
        """The quantity so far at the unit price."""
        return money(self.unit_price * self.so_far)


@dataclass(slots=True)
class CostReport:
    """The forecast and the cost so far of one ballot, line by line and by channel."""

    slug: str
    currency: str
    members: int
    lines: list[CostLine] = field(default_factory=list)
    unattributed: list[CostLine] = field(default_factory=list)

    def by_channel(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(forecast, so far) per channel, in the order the lines give them."""
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        for line in self.lines:
            forecast, so_far = totals.get(line.channel, (Decimal(0), Decimal(0)))
            totals[line.channel] = (forecast + line.forecast_cost, so_far + line.so_far_cost)
        return totals

    @property
    def forecast_total(self) -> Decimal:
        """The whole forecast."""
        return sum((line.forecast_cost for line in self.lines), Decimal(0))

    @property
    def so_far_total(self) -> Decimal:
        """Everything spent so far on this ballot."""
        return sum((line.so_far_cost for line in self.lines), Decimal(0))


def money(amount: Decimal) -> Decimal:
    """An amount rounded to the penny (cent)."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def cost_report(
    session: Session, settings: Settings, election: Election, wanted: Assumptions
) -> CostReport:
    """Forecast a ballot's cost by channel from its register and ``wanted``, with cost so far."""
    wanted.check()
    assert election.id is not None
    channels = definition_of(election).channels
    register = repository.members(session, election.id)
    formats = Counter(member.card_format for member in register)
    issued = sum(repository.token_counts(session, election.id).values())
    members = wanted.members if wanted.members is not None else (len(register) or issued)
    large_print = wanted.large_print
    if large_print is None:
        large_print = formats["large-print"]
    papers = wanted.papers
    if papers is None:
        papers = formats["ballot-paper"] + formats["ballot-paper-large"]
    others = formats["large-print"] + formats["ballot-paper"] + formats["ballot-paper-large"]
    cards = wanted.cards if wanted.cards is not None else max(0, members - others)
    posted = wanted.posted if wanted.posted is not None else cards + large_print
    posted += papers
    voters = members * wanted.turnout
    printed = sum(run.cards for run in repository.card_runs(session, election.id))
    issues = repository.all_card_issues(session, election.id)
    sent = sum(1 for issue in issues if issue.how == "post")
    used = repository_admin.usage(session, election.slug)
    letters_back = repository_admin.letters_received(session, election.id)
    report = CostReport(election.slug, settings.currency, members)
    add = report.lines.append
    add(CostLine("print", "ballot cards", settings.price_print_card, cards, printed))
    add(CostLine("print", "large-print cards", settings.price_print_large_print, large_print, 0))
    add(CostLine("print", "postal ballot papers", settings.price_print_ballot_paper, papers, 0))
    add(CostLine("post", "letters posted to members", settings.price_postage_letter, posted, sent))
    if "postal" in channels:
        back = round(papers * wanted.turnout) if papers else 0
        add(
            CostLine("post", "votes posted back", settings.price_postage_letter, back, letters_back)
        )
    if "sms" in channels:
        segments = round(voters * wanted.sms_share * wanted.segments_per_sms_vote)
        so_far = used.get(SMS_IN, 0) + used.get(SMS_OUT, 0)
        add(CostLine("sms", "SMS segments", settings.price_sms_segment, segments, so_far))
    if "phone" in channels:
        minutes = round(voters * wanted.phone_share * wanted.minutes_per_call)
        so_far = used.get(CALL_MINUTES, 0)
        add(CostLine("phone", "call minutes", settings.price_phone_minute, minutes, so_far))
    if "web" in channels:
        add(CostLine("web", "web votes", Decimal(0), 0, 0))
    shared = repository_admin.usage(session, UNATTRIBUTED)
    shared_sms = shared.get(SMS_IN, 0) + shared.get(SMS_OUT, 0)
    if shared_sms:
        report.unattributed.append(
            CostLine("sms", "SMS segments", settings.price_sms_segment, 0, shared_sms)
        )
    if shared.get(CALL_MINUTES, 0):
        report.unattributed.append(
            CostLine("phone", "call minutes", settings.price_phone_minute, 0, shared[CALL_MINUTES])
        )
    return report
