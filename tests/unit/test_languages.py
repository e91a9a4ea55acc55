"""Choosing a language: the browser's header, a ballot's list, an SMS keyword, a phone key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ballotbox.adapters.phone.language import chosen, menu_languages
from ballotbox.adapters.sms.grammar import ANSWERS, read_message
from ballotbox.adapters.sms.language import split_language
from ballotbox.core import i18n


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("cy", "cy"),
        ("cy-GB,cy;q=0.9,en;q=0.5", "cy"),
        ("CY_gb", "cy"),
        ("en-GB,en;q=0.9,cy;q=0.8", "en"),
        ("en;q=0.3, cy;q=0.9", "cy"),  # quality, not order
        ("fr-FR, de;q=0.9, cy;q=0.1", "cy"),  # the only one we have, however low
        ("cy;q=0, en", "en"),  # q=0 means "not this"
        ("fr, *;q=0.5", "en"),  # anything: the default
        ("", "en"),
        ("cy;q=banana, en;q=0.5", "en"),
        (",,;;==", "en"),
    ],
)
def test_accept_language_is_read_with_its_qualities(header: str, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_the_installation_default_stands_when_the_browser_names_nothing_we_have() -> None:
    assert i18n.negotiate("fr, de", default="cy") == "cy"


def test_a_ballot_offers_its_listed_languages_primary_first() -> None:
    assert i18n.ballot_languages(SimpleNamespace(languages=["cy", "en"])) == ["cy", "en"]
    assert i18n.ballot_languages(SimpleNamespace(languages=["en-GB", "CY", "en"])) == ["en", "cy"]
    assert i18n.ballot_languages(SimpleNamespace(languages=["fr", "cy"])) == ["cy"]
    assert i18n.ballot_languages(SimpleNamespace(), default="cy") == ["cy"]
    assert i18n.ballot_languages(SimpleNamespace(languages=[]), default="en") == ["en"]
    # A definition that does not list its languages follows the installation's.
    unlisted = SimpleNamespace(languages=["en"], languages_listed=False)
    assert i18n.ballot_languages(unlisted, default="cy") == ["cy"]


def test_using_renders_in_a_language_then_goes_back() -> None:
    i18n.set_locale("en")
    with i18n.using("cy"):
        assert i18n._("Continue") == "Parhau"
    assert i18n._("Continue") == "Continue"


@pytest.mark.parametrize(
    ("body", "language", "rest"),
    [
        ("CYMRAEG", "cy", ""),
        ("cymraeg 4821 0937 5512 8840 3316 3 1 2", "cy", "4821 0937 5512 8840 3316 3 1 2"),
        ("4821 0937 5512 8840 3316 3 1 2 Cymraeg.", "cy", "4821 0937 5512 8840 3316 3 1 2"),
        ("ENGLISH 4821", "en", "4821"),
        ("Saesneg", "en", ""),
        ("cymorth", "cy", ""),
        ("4821 0937 5512 8840 3316 3 1 2", None, "4821 0937 5512 8840 3316 3 1 2"),
        ("HELP", None, "HELP"),
        ("4821 CYMRAEG 3 1 2", None, "4821 CYMRAEG 3 1 2"),  # only first or last word
    ],
)
def test_an_sms_keyword_chooses_the_reply_language(
    body: str, language: str | None, rest: str
) -> None:
    assert split_language(body) == (language, rest)


def test_welsh_words_work_in_a_text() -> None:
    assert ANSWERS["IE"] == 1 and ANSWERS["NA"] == 2 and ANSWERS["YMATAL"] == 3
    digits = "48210937551288403316"
    assert read_message(f"TOCYN {digits} 3 1 2").token == digits  # type: ignore[union-attr]


def test_the_phone_menu_lists_each_language_once_in_ballot_order() -> None:
    welsh_first = SimpleNamespace(languages=["cy", "en"])
    english_only = SimpleNamespace(languages=["en"])
    welsh_only = SimpleNamespace(languages=["cy"])
    assert menu_languages([welsh_first, english_only], "en") == ["cy", "en"]
    assert menu_languages([english_only, welsh_first], "en") == ["en", "cy"]
    # No ballot with more than one language: no menu, even when the ballots differ.
    assert menu_languages([english_only], "en") == []
    assert menu_languages([english_only, welsh_only], "en") == []
    assert menu_languages([SimpleNamespace()], "en") == []
    assert menu_languages([], "en") == []
    assert chosen("2", ["cy", "en"]) == "en"
    assert chosen("1", ["cy", "en"]) == "cy"
    assert chosen("", ["cy", "en"]) == "cy" and chosen("9", ["cy", "en"]) == "cy"
