"""The draft form: a ballot definition field by field, as typed.

The console's form posts flat fields (``title``, ``c0-method``,
``c0-k2-name`` …).  :func:`read_form` turns them into a :class:`DraftForm`,
:func:`from_definition` fills one in from a stored ballot, and
:mod:`ballotbox.services.draft_check` checks it with the TOML's own
validation.

Rows are added and removed by submit buttons (:func:`apply`), so the form
works without JavaScript.  A candidate or group row left wholly empty is
ignored.  Times are typed in the ballot's own time zone and stored in UTC.
The form always writes the time zone, the languages and the SMS spelling
setting (fields a TOML file may leave out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ballotbox.core import i18n
from ballotbox.core.vocabulary import CHANNELS, METHODS
from ballotbox.definition import DEFAULT_TIMEZONE, ElectionDefinition

TIME_FORMAT = "%Y-%m-%d %H:%M"
TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)\Z")
NEW_CANDIDATE_ROWS = 3
MAX_ROWS = 999  # candidates in a contest, as the definition allows


@dataclass
class CandidateRow:
    """One candidate row as typed."""

    number: str = ""
    name: str = ""
    statement: str = ""
    url: str = ""
    group: str = ""

    def blank(self) -> bool:
        """True when nothing but (perhaps) the number is filled in."""
        return not (self.name or self.statement or self.url or self.group)


@dataclass
class GroupRow:
    """One group-minimum row as typed."""

    group: str = ""
    minimum: str = ""


@dataclass
class ContestForm:
    """One contest as typed."""

    key: str = "A"
    title: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    description: str = ""
    method: str = "scottish-stv"
    seats: str = "1"
    max_choices: str = ""
    threshold: str = "1/2"
    abstentions_count: bool = False
    candidates: list[CandidateRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)


@dataclass
class DraftForm:
    """The whole form as typed (every value a string, as the browser sends it)."""

    slug: str = ""
    title: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    description: str = ""
    timezone: str = DEFAULT_TIMEZONE
    opens: str = ""
    closes: str = ""
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    languages: str = i18n.DEFAULT_LOCALE
    sms_transliterate: bool = True
    tie_seed: str = ""
    contests: list[ContestForm] = field(default_factory=list)


def translation_languages() -> list[str]:
    """The languages a contest title can be translated into (all but the default)."""
    return [code for code in i18n.languages() if code != i18n.DEFAULT_LOCALE]


def blank_candidates(start: int, count: int) -> list[CandidateRow]:
    """``count`` empty candidate rows numbered from ``start``."""
    return [CandidateRow(number=str(start + i)) for i in range(count)]


def new_contest(index: int) -> ContestForm:
    """An empty contest with its letter and a few empty candidate rows."""
    return ContestForm(
        key=chr(ord("A") + index), candidates=blank_candidates(1, NEW_CANDIDATE_ROWS)
    )


def empty_form() -> DraftForm:
    """The form for a new ballot: one contest, every channel, the default time zone."""
    return DraftForm(
        titles={lang: "" for lang in translation_languages()}, contests=[new_contest(0)]
    )


def _indices(names: Sequence[str], pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return sorted({int(m[1]) for name in names if (m := regex.match(name))})


def _named(names: Sequence[str], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [m[1] for name in names if (m := regex.match(name))]


def read_form(fields: Mapping[str, Sequence[str]]) -> DraftForm:
    """The form as posted (``fields``: each name with its values, as a multi-dict gives them)."""

    def one(name: str) -> str:
        values = fields.get(name) or [""]
        return values[-1].replace("\r\n", "\n")

    names = list(fields)
    contests = []
    for i in _indices(names, r"^c(\d+)-key\Z")[:26]:
        c = f"c{i}-"
        candidates = [
            CandidateRow(*(one(f"{c}k{j}-{part}").strip() for part in CandidateRow.__annotations__))
            for j in _indices(names, rf"^{c}k(\d+)-name\Z")[:MAX_ROWS]
        ]
        groups = [
            GroupRow(one(f"{c}g{j}-group").strip(), one(f"{c}g{j}-minimum").strip())
            for j in _indices(names, rf"^{c}g(\d+)-group\Z")[:MAX_ROWS]
        ]
        contests.append(
            ContestForm(
                key=one(f"{c}key").strip(),
                title=one(f"{c}title").strip(),
                titles={
                    lang: one(f"{c}title-{lang}").strip()
                    for lang in _named(names, rf"^{c}title-([A-Za-z_-]{{2,8}})\Z")
                },
                description=one(f"{c}description").strip(),
                method=one(f"{c}method"),
                seats=one(f"{c}seats").strip(),
                max_choices=one(f"{c}max_choices").strip(),
                threshold=one(f"{c}threshold").strip(),
                abstentions_count=bool(one(f"{c}abstentions_count")),
                candidates=candidates,
                groups=groups,
            )
        )
    return DraftForm(
        slug=one("slug").strip(),
        title=one("title").strip(),
        titles={
            lang: one(f"title-{lang}").strip()
            for lang in _named(names, r"^title-([A-Za-z_-]{2,8})\Z")
        },
        description=one("description").strip(),
        timezone=one("timezone").strip(),
        opens=one("opens").strip(),
        closes=one("closes").strip(),
        channels=[c for c in fields.get("channels", []) if c in CHANNELS],
        languages=one("languages").strip(),
        sms_transliterate=bool(one("sms_transliterate")),
        tie_seed=one("tie_seed").strip(),
        contests=contests,
    )


def apply(form: DraftForm, action: str) -> DraftForm:
    """The form after an add or remove button (``add-candidate-0``, ``remove-contest-1`` …)."""
    parts = action.split("-")
    numbers = [int(p) for p in parts[2:] if p.isdigit() and len(p) < 4]
    verb, what = (parts + ["", ""])[:2]
    contests = [
        replace(c, candidates=list(c.candidates), groups=list(c.groups)) for c in form.contests
    ]
    form = replace(form, contests=contests)
    if what == "contest" and verb == "add" and len(contests) < 26:
        contests.append(new_contest(len(contests)))
    elif what == "contest" and verb == "remove" and numbers and numbers[0] < len(contests):
        del contests[numbers[0]]
    elif numbers and numbers[0] < len(contests):
        contest = contests[numbers[0]]
        rows: list[Any] = contest.candidates if what == "candidate" else contest.groups
        if what not in ("candidate", "group"):
            return form
        if verb == "add" and len(rows) < MAX_ROWS:
            if what == "candidate":
                rows.extend(blank_candidates(_next_number(contest), 1))
            else:
                rows.append(GroupRow())
        elif verb == "remove" and len(numbers) > 1 and numbers[1] < len(rows):
            del rows[numbers[1]]
    return form


def _next_number(contest: ContestForm) -> int:
    numbers = [int(c.number) for c in contest.candidates if c.number.isdigit()]
    return max(numbers, default=0) + 1


def from_definition(definition: ElectionDefinition) -> DraftForm:
    """The form filled in from a stored definition, times shown in the ballot's zone."""
    zone = ZoneInfo(definition.zone)

    def shown(when: datetime) -> str:
        local = when.astimezone(zone)
        return local.strftime(TIME_FORMAT + (":%S" if local.second else ""))

    contests = [
        ContestForm(
            key=c.key,
            # A one-contest ballot's contest bears the ballot's title: left empty, it follows it.
            title="" if definition.single and c.title == definition.title else c.title,
            # Each language pages speak, and any other the definition already has.
            titles={**{lang: "" for lang in translation_languages()}, **c.titles},
            description=c.description,
            method=c.method,
            seats=str(c.seats),
            max_choices="" if c.max_choices is None else str(c.max_choices),
            threshold=c.threshold,
            abstentions_count=c.abstentions_count,
            candidates=[
                CandidateRow(str(k.number), k.name, k.statement, k.url, k.group)
                for k in c.candidates
            ],
            groups=[GroupRow(g.group, str(g.minimum)) for g in c.group_minimums],
        )
        for c in definition.contests
    ]
    return DraftForm(
        slug=definition.slug,
        title=definition.title,
        titles={**{lang: "" for lang in translation_languages()}, **definition.titles},
        description=definition.description,
        timezone=definition.zone,
        opens=shown(definition.opens),
        closes=shown(definition.closes),
        channels=list(definition.channels),
        languages=", ".join(definition.languages),
        sms_transliterate=definition.sms_transliterate,
        tie_seed=definition.tie_seed,
        contests=contests,
    )


#: What the template offers: the methods and channels, in the vocabulary's order.
CHOICES = {"methods": METHODS, "channels": CHANNELS}
