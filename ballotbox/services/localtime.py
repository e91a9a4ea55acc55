"""Times as members read and hear them: in the ballot's own time zone, never in UTC.

The definition's ``timezone`` (default Europe/London) is used by every card,
ballot paper, page, text and spoken prompt that tells a time, so a member in
British Summer Time reads 17:00 BST, not 16:00 UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_, _
from ballotbox.definition import DEFAULT_TIMEZONE, ElectionDefinition
from ballotbox.services.elections import aware, definition_of
from ballotbox.storage.models import Election

__all__ = [
    "DEFAULT_TIMEZONE",
    "POSTING_DAYS",
    "ballot_timezone",
    "closing_text",
    "election_time",
    "posting_text",
]

POSTING_DAYS = 3  # a paper posted this many days before the close arrives in time (UK post)
# Day and month names in the language of the card or paper (strftime would give the C locale's).
DAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def ballot_timezone(definition: ElectionDefinition) -> str:
    """The time zone the ballot's times are printed in (the definition's, else Europe/London)."""
    return definition.zone


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            # i18n: officer
            N_("“{timezone}” is not a time zone name such as Europe/London."),
            timezone=timezone,
        ) from None


def closing_text(moment: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A time as printed, in the ballot's zone: ``17:00 BST, Friday 16 May 2025``."""
    at = aware(moment).astimezone(_zone(timezone))
    return f"{at:%H:%M} {at:%Z}, {_date(at)}"


def posting_text(moment: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The last posting date for a postal paper: ``POSTING_DAYS`` before the close's date."""
    day = aware(moment).astimezone(_zone(timezone)).date() - timedelta(days=POSTING_DAYS)
    return _date(day)


def _date(day: date) -> str:
    """``Friday 16 May 2025`` in the language in force (``Dydd Gwener 16 Mai 2025``)."""
    return f"{_(DAYS[day.weekday()])} {day.day} {_(MONTHS[day.month - 1])} {day.year}"


def election_time(election: Election, moment: datetime) -> str:
    """``moment`` as the election's members read it, in its own time zone."""
    return closing_text(moment, ballot_timezone(definition_of(election)))
