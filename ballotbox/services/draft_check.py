"""Checking the draft form with the TOML's own validation, each problem beside its field.

:func:`validate` builds the same definition dictionary a TOML file parses to
from a :class:`~ballotbox.services.draft_form.DraftForm`, runs it through
:func:`ballotbox.definition.located_problems` (nothing is checked here that
the TOML is not checked for, except that text typed into a number or time
field must be one) and maps each problem's location back to the id of its
field, so every problem is shown beside its field at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ballotbox.core.i18n import N_, _
from ballotbox.definition import DEFAULT_TIMEZONE, ElectionDefinition, Location, located_problems
from ballotbox.services.draft_form import TIME, DraftForm, translation_languages

#: The names the summary gives the ballot's own fields.
LABELS = {
    "slug": N_("Address name"),
    "title": N_("Title"),
    "titles": N_("Title translation"),
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
ROW_LABELS = {
    "number": N_("number"),
    "name": N_("name"),
    "statement": N_("statement"),
    "url": N_("web address"),
    "group": N_("group"),
    "minimum": N_("at least"),
}


@dataclass(frozen=True)
class Problem:
    """One problem: the id of the field it belongs beside, what to call it, and what is wrong."""

    field_id: str
    label: str
    message: str


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
        hour, rest = match[2].split(":", 1)
        local = datetime.fromisoformat(f"{match[1]}T{hour.zfill(2)}:{rest}")
    except ValueError:
        return N_("there is no such date or time")
    # A bad zone is reported on its own field; the time is checked as if in UTC meanwhile.
    return local.replace(tzinfo=zone or UTC).astimezone(UTC)


def _number(text: str, problems: list[str]) -> int | None:
    """A whole number typed in a field (None when empty or not a number: then a problem)."""
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
    data.update({f"title_{lang}": t for lang, t in form.titles.items() if t})
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
    if head == "titles":
        return f"title-{translation_languages()[0]}" if translation_languages() else "title"
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
    if field_id.startswith("title-"):
        return _(LABELS["titles"])
    match = re.match(r"^c(\d+)-(?:(k|g)(\d+)-)?(.+)\Z", field_id)
    if not match:
        return _("The ballot")
    i = int(match[1])
    key = form.contests[i].key if i < len(form.contests) else "?"
    where = _("Contest {key}").format(key=key)
    if match[2] == "k":
        where += ", " + _("candidate row {n}").format(n=int(match[3]) + 1)
    elif match[2] == "g":
        where += ", " + _("group row {n}").format(n=int(match[3]) + 1)
    name = CONTEST_LABELS.get("titles" if match[4].startswith("title-") else match[4], "")
    if match[2]:
        name = ROW_LABELS.get(match[4], "")
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
