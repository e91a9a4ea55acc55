"""Registers record each member's card format and language; doubtful values are warnings."""

from __future__ import annotations

import pytest

from ballotbox.core.members.needs import FORMAT_LAYOUTS, FORMATS, card_format, language
from ballotbox.core.members.registers import read_register

REGISTER = """Membership No,Name,Card format,Iaith,Large print
1,Ann,Large print,Welsh,
2,Bob,purple,xx,
3,Cai,,cy-GB,yes
4,Dee,ballot paper,en,y
5,Eve,,,maybe
6,Fay,BALLOT-PAPER-LARGE,Cymraeg,no
"""


def test_formats_and_languages_are_read_with_friendly_spellings() -> None:
    result = read_register(REGISTER, "Union")
    found = {m.number: (m.card_format, m.language) for m in result.members}
    assert found == {
        "1": ("large-print", "cy"),
        "2": ("standard", ""),
        "3": ("large-print", "cy"),
        "4": ("ballot-paper-large", "en"),
        "5": ("standard", ""),
        "6": ("ballot-paper-large", "cy"),
    }
    assert result.columns["format"] == ["Card format"]
    assert result.columns["language"] == ["Iaith"]
    assert result.unknown_columns == []


def test_unknown_format_or_language_is_a_warning_and_the_member_is_kept() -> None:
    result = read_register(REGISTER, "Union")
    assert len(result.members) == 6 and result.problems == []
    doubts = {(w.line, w.number, w.field, w.value) for w in result.warnings}
    assert doubts == {
        (3, "2", "format", "purple"),
        (3, "2", "language", "xx"),
        (6, "5", "largeprint", "maybe"),
    }
    assert any("standard card" in w.reason for w in result.warnings if w.field == "format")


def test_a_register_without_the_columns_gives_standard_cards_and_no_language() -> None:
    result = read_register("Member ID,Name\n7,Gus\n", "Union")
    assert (result.members[0].card_format, result.members[0].language) == ("standard", "")
    assert result.warnings == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Standard", "standard"),
        ("", "standard"),
        ("large", "large-print"),
        ("Large Print", "large-print"),
        ("ballot paper", "ballot-paper"),
        ("Ballot paper (large)", "ballot-paper-large"),
        ("braille", None),
        ("?", None),
    ],
)
def test_card_format_spellings(text: str, expected: str | None) -> None:
    assert card_format(text) == expected


def test_every_format_has_a_layout_and_languages_come_from_the_catalogues() -> None:
    assert set(FORMAT_LAYOUTS) == set(FORMATS)
    assert language("EN") == "en" and language("Welsh") == "cy" and language("fr") is None
