"""GSM-7 alphabet, segment counting, SMS transliteration and packing (ballotbox.core.gsm7)."""

from __future__ import annotations

import pytest

from ballotbox.core import gsm7


@pytest.mark.parametrize(
    ("text", "units", "gsm"),
    [
        ("Ann Example", 11, True),
        ("é ü ñ Ä", 7, True),  # accented letters GSM-7 has
        ("[1] {2} €", 14, True),  # 9 characters, 5 from the extension table (two septets)
        ("Siân", 4, False),
        ("Дмитрий", 7, False),
        ("😀", 2, False),  # a surrogate pair: two UTF-16 units
    ],
)
def test_units_count_septets_or_utf16_units(text: str, units: int, gsm: bool) -> None:
    assert gsm7.units(text) == units and gsm7.is_gsm7(text) is gsm


def test_segment_counts_follow_the_concatenation_limits() -> None:
    assert gsm7.segments("a" * 160) == 1 and gsm7.segments("a" * 161) == 2
    assert gsm7.segments("a" * 306) == 2 and gsm7.segments("a" * 307) == 3
    assert gsm7.segments("â" * 70) == 1 and gsm7.segments("â" * 71) == 2
    assert gsm7.segments("â" * 134) == 2 and gsm7.segments("â" * 135) == 3
    # An escape pair does not straddle two parts: 152 plain + "€" needs a second part.
    assert gsm7.segments("a" * 152 + "€" + "a" * 10) == 2
    assert gsm7.segments("a" * 152 + "€" + "a" * 153) == 3


@pytest.mark.parametrize(
    ("name", "sms"),
    [
        ("Siân Ŵyn", "Sian Wyn"),
        ("Tŷ Gwyn", "Ty Gwyn"),
        ("Łukasz Żółć", "Lukasz Zolc"),
        ("Zoë Müller-Peña", "Zoe Müller-Peña"),  # GSM-7 has ü and ñ, not ë
        ("Renée Ørsted", "Renée Ørsted"),
        ("Дмитрий", "Дмитрий"),  # no honest Latin spelling: left alone
        ("“quoted” — dash…", '"quoted" - dash...'),
    ],
)
def test_transliteration_keeps_gsm_letters_and_maps_the_rest(name: str, sms: str) -> None:
    assert gsm7.transliterate(name) == sms


def test_transliterated_welsh_names_are_gsm7() -> None:
    for name in ("Siân Ŵyn", "Tŷ Gwyn", "Gwenllïan ap Rhŷs", "Łukasz Żółć"):
        assert gsm7.is_gsm7(gsm7.transliterate(name)), name


READBACK = [f"{i}. Candidate Number {i} Longname" for i in range(1, 7)]


def test_a_short_reply_is_one_message() -> None:
    [message] = gsm7.pack(["Thank you.", "Your vote is recorded."])
    assert message.text == "Thank you. Your vote is recorded." and message.segments == 1


def test_pack_never_splits_a_choice_and_numbers_the_parts() -> None:
    pieces = ["Your choices:", *READBACK, "Reply YES to confirm, or send your choices again."]
    messages = gsm7.pack(pieces)
    assert len(messages) > 1
    assert all(m.segments == 1 and m.gsm7 for m in messages)
    for line in READBACK:
        assert sum(line in m.text for m in messages) == 1, line
    assert [m.text.split(" ", 1)[0] for m in messages] == [
        f"{i}/{len(messages)}" for i in range(1, len(messages) + 1)
    ]


def test_one_unicode_name_costs_ucs2_only_in_its_own_message() -> None:
    pieces = [*(p * 3 for p in READBACK[:5]), "6. Дмитрий Шостакович"]
    messages = gsm7.pack(pieces)
    assert [m.gsm7 for m in messages][:-1] == [True] * (len(messages) - 1)
    assert not messages[-1].gsm7 and all(m.segments == 1 for m in messages)


def test_a_piece_longer_than_a_segment_is_cut_at_spaces() -> None:
    long = " ".join(["word"] * 100)
    messages = gsm7.pack([long])
    assert all(m.segments == 1 for m in messages)
    assert " ".join(m.text.split(" ", 1)[1] for m in messages) == long


def test_a_word_longer_than_a_segment_is_cut_anywhere() -> None:
    messages = gsm7.pack(["x" * 400], numbered=False)
    assert "".join(m.text for m in messages) == "x" * 400
    assert all(m.segments == 1 for m in messages)


def test_nothing_to_send_is_no_message() -> None:
    assert gsm7.pack(["", "  "]) == []
