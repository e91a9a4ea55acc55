"""A card for a ballot of several contests names each contest by its key, and still fits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from ballotbox.core.printing.carddesign import ContestHint, paragraphs
from ballotbox.core.printing.cards import CardInfo, MethodHint, render_cards
from tests.unit.tokens.conftest import make_cards

CONTESTS = (
    ContestHint("A", "Executive committee", MethodHint("rank", candidates=8)),
    ContestHint("B", "Chair", MethodHint("rank", candidates=3)),
    ContestHint("C", "Motion 1", MethodHint("yesno", candidates=3)),
)


@pytest.mark.parametrize("layout", ["business", "a4", "avery"])
def test_every_layout_fits_and_names_the_contests(
    tmp_path: Path, info: CardInfo, layout: str
) -> None:
    cards = make_cards(2)
    out = tmp_path / "cards.pdf"
    render_cards(cards, out, layout, info=replace(info, contests=CONTESTS))
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    if layout == "avery":  # a sticker: the keys, the letter gives the rest
        assert "Contests A, B, C: see your letter." in text
    else:
        assert "Contests: A Executive committee; B Chair; C Motion 1. Any left out is" in text
        first_two = cards[0].token.grouped[:9]
        assert f"{first_two} … A 3 1 2 B 3 C YES" in text
        assert "then each contest's choices" in text


def test_a_one_contest_card_says_exactly_what_it_always_said(info: CardInfo) -> None:
    texts = [text for _font, text in paragraphs(info)]
    assert texts[1] == "Rank the candidates: 1 = first choice, 2 = next, and so on."
    assert texts[3].startswith("Text 0770 090 0123: your token then your choices in order, e.g.")
    assert texts[4] == "Phone 0800 123 4567: key in your token, then your choices."
    assert texts[5].startswith("Post your token and choices, no name needed, to Returning")
