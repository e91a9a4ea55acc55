"""A card for a ballot of several contests names each contest by its key, and still fits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from ballotbox.core.printing.cards import CardInfo, ContestHint, MethodHint, render_cards
from ballotbox.core.printing.cardtext import card_paragraphs, sticker
from tests.unit.tokens.conftest import make_cards

CONTESTS = (
    ContestHint("A", "Executive committee", MethodHint("rank", candidates=8)),
    ContestHint("B", "Chair", MethodHint("rank", candidates=3)),
    ContestHint("C", "Motion 1", MethodHint("yesno", candidates=3)),
)


def _text(path: Path) -> str:
    """Every page's text, whitespace (no-break spaces too) collapsed."""
    pages = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(pages.replace("\xa0", " ").split())


@pytest.mark.parametrize("layout", ["business", "a4", "avery"])
def test_every_layout_fits_and_names_the_contests(
    tmp_path: Path, info: CardInfo, layout: str
) -> None:
    cards = make_cards(2)
    out = tmp_path / "cards.pdf"
    render_cards(cards, out, layout, info=replace(info, contests=CONTESTS))
    text = _text(out)
    if layout == "avery":  # a sticker is already full: the ballot paper names the contests
        assert "Contests" not in text and "Online:" in text
    else:
        assert "Contests: A Executive committee; B Chair; C Motion 1. Any left out is" in text
        assert f"{cards[0].token.grouped} A 3 1 2 B 3 C YES" in text
        assert "then each contest's choices" in text
        assert "Rank the candidates" not in text


def test_a_one_contest_card_says_exactly_what_it_always_said(info: CardInfo) -> None:
    texts = [p.text for p in card_paragraphs(info)]
    assert texts[1] == "Rank the candidates: 1 = first choice, 2 = next, and so on."
    assert not any("contest" in t.lower() for t in texts)
    assert not any("Contests" in p.text for p in sticker(info))
    several = [p.text for p in card_paragraphs(replace(info, contests=CONTESTS))]
    assert several[1].startswith("Contests: A Executive committee;")
