"""The TOML writer: what it writes, tomllib reads back to the same values."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballotbox.core import tomlwrite

TEXT = st.text(max_size=40)  # every code point, control characters and quotes included
VALUES = st.one_of(
    TEXT, st.integers(-(2**63), 2**63 - 1), st.booleans(), st.lists(TEXT, max_size=4)
)
TABLE = st.dictionaries(TEXT, VALUES, max_size=5)


@given(
    st.dictionaries(TEXT, st.one_of(VALUES, st.lists(TABLE, min_size=1, max_size=3)), max_size=6)
)
def test_any_document_of_strings_numbers_lists_and_tables_reads_back(
    document: dict[str, object],
) -> None:
    assert tomllib.loads(tomlwrite.dumps(document)) == document


def test_datetimes_keep_their_offset_and_none_is_left_out() -> None:
    summer = datetime(2027, 6, 1, 9, tzinfo=timezone(timedelta(hours=1)))
    text = tomlwrite.dumps({"opens": summer, "closes": datetime(2027, 6, 2, tzinfo=UTC), "x": None})
    assert text == "opens = 2027-06-01T09:00:00+01:00\ncloses = 2027-06-02T00:00:00Z\n"
    assert tomllib.loads(text)["opens"] == summer


def test_plain_values_come_before_tables_and_nested_arrays_of_tables_are_named_in_full() -> None:
    text = tomlwrite.dumps({"contests": [{"key": "A", "candidates": [{"n": 1}]}], "slug": "s"})
    assert text.splitlines() == [
        'slug = "s"',
        "",
        "[[contests]]",
        'key = "A"',
        "",
        "[[contests.candidates]]",
        "n = 1",
    ]


def test_what_toml_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        tomlwrite.dumps({"opens": datetime(2027, 1, 1)})  # noqa: DTZ001
    with pytest.raises(TypeError, match="float"):
        tomlwrite.dumps({"share": 0.5})
