"""The draft form: a ballot definition field by field, checked by the TOML's own validation.

The console's form posts flat fields (``title``, ``c0-method``,
``c0-k2-name`` …).  :func:`read_form` turns them into a :class:`DraftForm`;
:func:`validate` builds the same definition dictionary a TOML file parses
to, runs it through :func:`ballotbox.definition.located_problems` (nothing
is checked here that the TOML is not checked for, except that text typed
into a number or time field must be one) and maps each problem's location
back to its field, so every problem is shown beside its field at once.

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
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ballotbox.core import i18n
from ballotbox.core.i18n import N_, _
from ballotbox.core.vocabulary import CHANNELS, METHODS
from ballotbox.definition import (
    DEFAULT_TIMEZONE,
    ElectionDefinition,
    Location,
    located_problems,
)

TIME_FORMAT = "%Y-%m-%d %H:%M"
TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)$")
NEW_CANDIDATE_ROWS = 3
MAX_ROWS = 999  # candidates in a contest, as the definition allows

#: The names the summary gives the ballot's own fields.
LABELS = {
    "slug": N_("Address name"),
    "title": N_("Title"),
    "description": N_("Description"),
    "timezone": N_("Time zone"),
    "opens": N_("Voting opens"),
    "closes": N_("Voting closes"),
    "channels": N_("Ways to vote"),
    "languages": N_("Languages"),
    "sms_transliterate": N_("SMS spelling"),
    "tie_seed": N_("Tie-break seed"),
    "contests": N_("Contests"),
}
CONTEST_LABELS = {
    "key": N_("letter"),
    "title": N_("title"),
    "titles": N_("title translation"),
    "description": N_("description"),
    "method": N_("counting method"),
    "seats": N_("seats"),
    "max_choices": N_("most choices"),
    "threshold": N_("threshold"),
    "abstentions_count": N_("abstentions"),
    "candidates": N_("candidates"),
    "group_minimums": N_("group minimums"),
}


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
    description: str = ""
    timezone: str = DEFAULT_TIMEZONE
    opens: str = ""
    closes: str = ""
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    languages: str = i18n.DEFAULT_LOCALE
    sms_transliterate: bool = True
    tie_seed: str = ""
    contests: list[ContestForm] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One problem: the id of the field it belongs beside, what to call it, and what is wrong."""

    field_id: str
    label: str
    message: str


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
    return DraftForm(contests=[new_contest(0)])


def _indices(names: Sequence[str], pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return sorted({int(m[1]) for name in names if (m := regex.match(name))})


def read_form(fields: Mapping[str, Sequence[str]]) -> DraftForm:
    """The form as posted (``fields``: each name with its values, as a multi-dict gives them)."""

    def one(name: str) -> str:
        values = fields.get(name) or [""]
        return values[-1].replace("\r\n", "\n")

    names = list(fields)
    contests = []
    for i in _indices(names, r"^c(\d+)-key$")[:26]:
        c = f"c{i}-"
        candidates = [
            CandidateRow(*(one(f"{c}k{j}-{part}").strip() for part in CandidateRow.__annotations__))
            for j in _indices(names, rf"^{c}k(\d+)-name$")[:MAX_ROWS]
        ]
        groups = [
            GroupRow(one(f"{c}g{j}-group").strip(), one(f"{c}g{j}-minimum").strip())
            for j in _indices(names, rf"^{c}g(\d+)-group$")[:MAX_ROWS]
        ]
        contests.append(
            ContestForm(
                key=one(f"{c}key").strip(),
                title=one(f"{c}title").strip(),
                titles={lang: one(f"{c}title-{lang}").strip() for lang in translation_languages()},
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


@dataclass
class _Built:
    data: dict[str, Any]
    problems: dict[str, list[str]]
    rows: dict[tuple[int, str], list[int]]  # (contest, "candidates") → the form row of each item


def _local_time(text: str, zone: ZoneInfo | None) -> datetime | str:
    """A typed time in the ballot's zone, in UTC; or the problem with it."""
    match = TIME.match(text)
    if not text:
        return N_("is required")
    if not match:
        return N_("write the date and time as 2027-03-01 09:00")
    try:
        local = datetime.fromisoformat(f"{match[1]}T{match[2].zfill(5)}")
    except ValueError:
        return N_("there is no such date or time")
    # A bad zone is reported on its own field; the time is checked as if in UTC meanwhile.
    return local.replace(tzinfo=zone or UTC).astimezone(UTC)


def _number(text: str, problems: list[str]) -> int | str | None:
    if not text:
        return None
    if re.fullmatch(r"-?\d{1,6}", text):
        return int(text)
    problems.append(N_("write a whole number"))
    return None


def _build(form: DraftForm) -> _Built:
    problems: dict[str, list[str]] = {}
    data: dict[str, Any] = {
        "slug": form.slug,
        "title": form.title,
        "description": form.description,
        "timezone": form.timezone or DEFAULT_TIMEZONE,
        "channels": form.channels,
        "languages": [w for w in re.split(r"[\s,]+", form.languages) if w],
        "sms_transliterate": form.sms_transliterate,
    }
    if form.tie_seed:
        data["tie_seed"] = form.tie_seed
    try:
        zone: ZoneInfo | None = ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        zone = None  # the definition's own check reports the zone; times wait for a good one
    for name in ("opens", "closes"):
        when = _local_time(getattr(form, name), zone)
        if isinstance(when, datetime):
            data[name] = when
        else:
            problems[name] = [when]
    rows: dict[tuple[int, str], list[int]] = {}
    contests = []
    for i, c in enumerate(form.contests):
        title = c.title
        if not title and len(form.contests) == 1:
            # The ballot's title stands in; while that is empty too (a problem reported on the
            # ballot's title, so nothing is stored) a placeholder lets the contest's own rules
            # be checked in the same round.
            title = form.title or "?"
        contest: dict[str, Any] = {"key": c.key, "title": title, "description": c.description}
        contest["method"] = c.method
        for name in ("seats", "max_choices"):
            here: list[str] = []
            value = _number(getattr(c, name), here)
            if value is not None:
                contest[name] = value
            if here:
                problems[f"c{i}-{name}"] = here
        if c.threshold:
            contest["threshold"] = c.threshold
        contest["abstentions_count"] = c.abstentions_count
        contest.update({f"title_{lang}": t for lang, t in c.titles.items() if t})
        kept = [j for j, row in enumerate(c.candidates) if not row.blank()]
        rows[(i, "candidates")] = kept
        candidates = []
        for j in kept:
            row = c.candidates[j]
            here = []
            written: dict[str, Any] = {"name": row.name}
            number = _number(row.number, here)
            if number is not None:
                written["number"] = number
            if here:
                problems[f"c{i}-k{j}-number"] = here
            written.update(
                {k: getattr(row, k) for k in ("statement", "url", "group") if getattr(row, k)}
            )
            candidates.append(written)
        contest["candidates"] = candidates
        kept = [j for j, row in enumerate(c.groups) if row.group or row.minimum]
        rows[(i, "group_minimums")] = kept
        minimums = []
        for j in kept:
            here = []
            rule: dict[str, Any] = {"group": c.groups[j].group}
            minimum = _number(c.groups[j].minimum, here)
            if minimum is not None:
                rule["minimum"] = minimum
            if here:
                problems[f"c{i}-g{j}-minimum"] = here
            minimums.append(rule)
        contest["group_minimums"] = minimums
        contests.append(contest)
    data["contests"] = contests
    return _Built(data, problems, rows)


def field_of(loc: Location, rows: Mapping[tuple[int, str], list[int]]) -> str:
    """The id of the form field a problem at ``loc`` belongs beside ("" for the form as a whole)."""
    if not loc:
        return ""
    head = str(loc[0])
    if head != "contests":
        return head if head in LABELS else ""
    if len(loc) < 3 or not isinstance(loc[1], int):
        return "contests"
    i, name = loc[1], str(loc[2])
    if name == "titles":
        return (
            f"c{i}-title-{translation_languages()[0]}" if translation_languages() else f"c{i}-title"
        )
    if name in ("candidates", "group_minimums") and len(loc) >= 4 and isinstance(loc[3], int):
        kept = rows.get((i, name), [])
        j = kept[loc[3]] if loc[3] < len(kept) else loc[3]
        part = str(loc[4]) if len(loc) > 4 else ("name" if name == "candidates" else "group")
        return f"c{i}-{'k' if name == 'candidates' else 'g'}{j}-{part}"
    return f"c{i}-{name}" if name in CONTEST_LABELS else "contests"


def label_of(field_id: str, form: DraftForm) -> str:
    """What the error summary calls a field (in the officer's language)."""
    if field_id in LABELS:
        return _(LABELS[field_id])
    match = re.match(r"^c(\d+)-(?:(k|g)(\d+)-)?(.+)$", field_id)
    if not match:
        return _("The ballot")
    i = int(match[1])
    key = form.contests[i].key if i < len(form.contests) else "?"
    where = _("Contest {key}").format(key=key)
    if match[2] == "k":
        where += ", " + _("candidate row {n}").format(n=int(match[3]) + 1)
    elif match[2] == "g":
        where += ", " + _("group row {n}").format(n=int(match[3]) + 1)
    part = match[4].removeprefix("title-") if match[4].startswith("title-") else match[4]
    name = CONTEST_LABELS.get(part, "")
    if match[4].startswith("title-"):
        name = CONTEST_LABELS["titles"]
    return f"{where}: {_(name)}" if name else where


def validate(form: DraftForm) -> tuple[ElectionDefinition | None, list[Problem]]:
    """The definition the form describes, or every problem, each with its field."""
    built = _build(form)
    definition, located = located_problems(built.data)
    found: dict[str, list[str]] = {}
    for loc, message in located:
        found.setdefault(field_of(loc, built.rows), []).append(message)
    found.update({fid: [_(m) for m in messages] for fid, messages in built.problems.items()})
    problems = [
        Problem(fid, label_of(fid, form), "; ".join(dict.fromkeys(messages)))
        for fid, messages in found.items()
    ]
    return (definition if not problems else None), problems


def from_definition(definition: ElectionDefinition) -> DraftForm:
    """The form filled in from a stored definition, times shown in the ballot's zone."""
    zone = ZoneInfo(definition.zone)

    def shown(when: datetime) -> str:
        local = when.astimezone(zone)
        return local.strftime(TIME_FORMAT + (":%S" if local.second else ""))

    contests = [
        ContestForm(
            key=c.key,
            title=c.title,
            titles={lang: c.titles.get(lang, "") for lang in translation_languages()},
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
