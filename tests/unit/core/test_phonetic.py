"""Receipt codes read aloud with the phonetic alphabet."""

from __future__ import annotations

from ballotbox.core.phonetic import NATO, spell


def test_letters_get_their_words_and_digits_are_said_as_numbers() -> None:
    assert spell("B2DM") == "B for Bravo, the number 2, D for Delta, M for Mike"
    assert spell("ab 7") == "A for Alfa, B for Bravo, the number 7"


def test_every_base32_letter_has_a_distinct_word() -> None:
    assert len(set(NATO.values())) == 26
    assert all(word[0] == letter for letter, word in NATO.items())
