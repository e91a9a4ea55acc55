"""Times printed on cards and papers: in the ballot's own time zone, summer time included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ballotbox.core.errors import InputError
from ballotbox.services.localtime import closing_text, posting_text


def test_the_close_is_printed_in_the_ballots_time_zone_with_its_abbreviation() -> None:
    summer = datetime(2025, 5, 16, 16, 0, tzinfo=UTC)
    winter = datetime(2027, 1, 31, 17, 0, tzinfo=UTC)
    assert closing_text(summer) == "17:00 BST, Friday 16 May 2025"
    assert closing_text(winter) == "17:00 GMT, Sunday 31 January 2027"
    assert closing_text(summer, "Europe/Athens") == "19:00 EEST, Friday 16 May 2025"
    # A stored naive time is UTC (SQLite hands datetimes back without a zone).
    assert closing_text(winter.replace(tzinfo=None)) == "17:00 GMT, Sunday 31 January 2027"


def test_the_last_posting_date_is_counted_on_the_ballots_calendar() -> None:
    # 22:30 UTC on the 15th is 23:30 in London but already the 16th in Athens.
    late = datetime(2025, 5, 15, 22, 30, tzinfo=UTC)
    assert posting_text(late) == "Monday 12 May 2025"
    assert posting_text(late, "Europe/Athens") == "Tuesday 13 May 2025"


def test_an_unknown_time_zone_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="Mars/Olympus"):
        closing_text(datetime(2025, 5, 16, tzinfo=UTC), "Mars/Olympus")


def test_a_ballots_own_time_zone_is_used_for_the_closing_message() -> None:
    from ballotbox.definition import parse_definition
    from ballotbox.services.voting_rules import _when
    from ballotbox.storage.models import Election

    text = (
        'slug = "x-2025"\ntitle = "X"\nmethod = "irv"\ntimezone = "Europe/Athens"\n'
        "opens = 2025-05-01T09:00:00Z\ncloses = 2025-05-16T16:00:00Z\n"
        '[[candidates]]\nnumber = 1\nname = "A"\n[[candidates]]\nnumber = 2\nname = "B"\n'
    )
    d = parse_definition(text)
    import json

    election = Election(
        slug=d.slug, title=d.title, definition=json.dumps(d.document()),
        opens_at=d.opens, closes_at=d.closes,
    )  # fmt: skip
    assert str(_when(election, d.closes)) == "16 May 2025 at 19:00 EEST"
