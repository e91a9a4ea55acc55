"""Bilingual cards and ballot papers: both languages, the primary first, no small type, exact names.

A ballot that lists ``["cy", "en"]`` prints Welsh then English; the business
card has no room for both at 8 pt once the text or phone channel is on, so
the run is refused with a message naming the postcard and A4 layouts and the
one-language-per-member run, and the postcard carries both.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ballotbox.core import i18n
from ballotbox.core.printing.carddesign import BilingualCardLayoutError
from ballotbox.core.printing.cards import CardInfo, ContestHint, MethodHint, render_cards
from ballotbox.core.printing.papers import PaperContest, PaperInfo, render_papers
from tests.unit.tokens.conftest import make_cards
from tests.unit.tokens.pdfcheck import (
    ARABIC,
    GROUPED,
    LONG,
    NAMES,
    flat,
    page_count,
    page_text,
    qr_texts,
    render_pages,
    text_sizes,
)

WELSH_TITLE = "Etholiad Pwyllgor y Gangen 2025 — Ŵyl yr Hŷn"


def bilingual(info: CardInfo, **changes: object) -> CardInfo:
    """``info`` as a Welsh-first card with English second (every channel unless changed)."""
    english = replace(info, language="en", **changes)  # type: ignore[arg-type]
    welsh = replace(
        english, title=WELSH_TITLE, closes="17:00 BST, Dydd Gwener 16 Mai 2025", language="cy"
    )
    return replace(welsh, also=english)


def test_a_bilingual_business_card_with_every_channel_is_refused_before_any_file(
    tmp_path: Path, info: CardInfo
) -> None:
    out = tmp_path / "cards.pdf"
    with pytest.raises(BilingualCardLayoutError) as caught:
        render_cards(make_cards(2), out, "business", info=bilingual(info))
    assert "postcard or a4" in caught.value.message and "--by-language" in caught.value.message
    assert not out.exists()
    with i18n.using("cy"):  # the officer reads it in the language of their run
        assert "ddwy iaith" in caught.value.message


@pytest.mark.parametrize(("layout", "minimum"), [("postcard", 9), ("a4", 16)])
def test_bilingual_cards_say_everything_in_both_languages_welsh_first(
    tmp_path: Path, info: CardInfo, layout: str, minimum: float
) -> None:
    cards = make_cards(1)  # one card a sheet: pdftotext reads it in order
    out = tmp_path / "cards.pdf"
    render_cards(cards, out, layout, info=bilingual(info))
    pages = [flat(page_text(out, n)) for n in range(1, page_count(out) + 1)]
    every = " ".join(pages)
    assert every.index(WELSH_TITLE) < every.index("Branch Committee Election 2025")
    for welsh, english in [
        (
            "Pleidleisio'n cau 17:00 BST, Dydd Gwener 16 Mai 2025.",
            "Voting closes 5pm, Friday",
        ),
        ("Rhifwch yr ymgeiswyr", "Rank the candidates"),
        ("Sut i bleidleisio / How to vote", "Sut i bleidleisio / How to vote"),
        ("fysell #", "end with the # key"),
        ("heb enw", "no name needed"),
        ("Ar ôl y canlyniadau, gwiriwch eich pleidlais:", "After the results, check your vote:"),
        ("Tecstiwch CHECK a'ch tocyn.", "Text CHECK and your token."),
        ("Cadwch y cerdyn hwn yn breifat.", "Keep this card private."),
    ]:
        assert welsh in every and english in every, (welsh, english)
        assert every.index(welsh) <= every.index(english)
    # The card's own token is quoted once in the text example (in Welsh), on the front.
    first = cards[0].token.grouped
    assert f"e.e. {first} 3 1 2" in pages[0] and f"e.g. {first}" not in every
    # The English twin of the text example stays beside it on the front.
    assert "send your token, then your choices in order, to 0770 090 0123." in pages[0]
    assert "Rhif 000001" in pages[0]
    # A full sheet: no type under the layout's minimum, on fronts and backs; no token on a back.
    many = make_cards(5)
    sheet = tmp_path / "sheet.pdf"
    render_cards(many, sheet, layout, info=bilingual(info))
    sizes = text_sizes(sheet)
    assert all(sizes) and min(min(page) for page in sizes) >= minimum
    if layout == "postcard":
        front, back = flat(page_text(sheet, 1)), flat(page_text(sheet, 2))
        assert all(c.token.grouped in front for c in many[:4])
        assert many[4].token.grouped in flat(page_text(sheet, 3))
        assert not any(c.token.grouped in back for c in many)


def test_every_qr_code_on_a_bilingual_postcard_sheet_opens_its_own_card(
    tmp_path: Path, info: CardInfo
) -> None:
    cards = make_cards(4)
    out = tmp_path / "cards.pdf"
    design = bilingual(info)
    render_cards(cards, out, "postcard", info=design)
    front, back = render_pages(out, dpi=150)
    assert sorted(qr_texts(front)) == sorted(design.vote_url(c.token) for c in cards)
    assert qr_texts(back) == []


def test_a_bilingual_business_card_fits_when_the_ballot_is_web_only(
    tmp_path: Path, info: CardInfo
) -> None:
    out = tmp_path / "cards.pdf"
    web_only = bilingual(info, sms_number=None, phone_number=None, postal_address=None)
    render_cards(make_cards(10), out, "business", info=web_only)
    assert page_count(out) == 2  # the reverse side is used rather than smaller type
    sizes = text_sizes(out)
    assert min(min(page) for page in sizes) >= 8
    back = flat(page_text(out, 2))
    assert "Keep this card private." in back and "Rhif 000001" in back
    assert "Trowch drosodd / Turn over" in flat(page_text(out, 1))


@pytest.mark.parametrize("layout", ["postcard", "a4"])
def test_names_in_every_script_print_exactly_on_bilingual_cards(
    tmp_path: Path, info: CardInfo, layout: str
) -> None:
    for n, title in enumerate([*NAMES, ARABIC, LONG]):
        out = tmp_path / f"cards-{n}.pdf"
        design = bilingual(info)
        assert design.also is not None
        design = replace(design, title=title, also=replace(design.also, title=f"{title} (en)"))
        render_cards(make_cards(2), out, layout, info=design)
        text = flat(page_text(out))
        if title != ARABIC:  # pdftotext reads right-to-left text in visual order
            assert title in text and f"{title} (en)" in text, title
        assert min(min(page) for page in text_sizes(out)) >= (9 if layout == "postcard" else 16)
        assert len(GROUPED.findall(flat(page_text(out, 1)))) >= 1


def test_a_bilingual_sticker_that_cannot_hold_both_languages_says_so(
    tmp_path: Path, info: CardInfo
) -> None:
    with pytest.raises(BilingualCardLayoutError, match="avery"):
        render_cards(make_cards(1), tmp_path / "s.pdf", "avery", info=bilingual(info))


def paper(**changes: object) -> PaperInfo:
    english = PaperInfo(
        organisation="Undeb Enghreifftiol — Gogledd Cymru",
        title="Branch Committee Election 2025",
        public_url="https://vote.example.org",
        closes="17:00 BST, Friday 16 May 2025",
        post_by="Tuesday 13 May 2025",
        return_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
        contests=(
            PaperContest(
                "A",
                "Branch committee",
                "scottish-stv",
                seats=3,
                candidates=tuple(enumerate([*NAMES, LONG, ARABIC], start=1)),
            ),
            PaperContest("B", "Motion 1", "referendum"),
        ),
        language="en",
    )
    welsh = replace(
        english,
        title=WELSH_TITLE,
        closes="17:00 BST, Dydd Gwener 16 Mai 2025",
        post_by="Dydd Mawrth 13 Mai 2025",
        contests=(
            replace(english.contests[0], title="Pwyllgor y gangen"),
            replace(english.contests[1], title="Cynnig 1"),
        ),
        language="cy",
    )
    return replace(welsh, also=english, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("layout", "minimum"), [("ballot-paper", 12), ("ballot-paper-large", 16)])
def test_bilingual_ballot_papers_give_every_instruction_in_both_and_each_name_once(
    tmp_path: Path, layout: str, minimum: float
) -> None:
    cards = make_cards(2)
    out = tmp_path / "papers.pdf"
    render_papers(cards, out, layout, info=paper())
    per_paper = page_count(out) // 2
    text = flat(page_text(out))
    first_paper = flat(" ".join(page_text(out, n) for n in range(1, per_paper + 1)))
    for welsh, english in [
        (WELSH_TITLE, "Branch Committee Election 2025"),
        ("Eich tocyn pleidleisio / Your ballot token", "Your ballot token"),
        ("Dydd Mawrth 13 Mai 2025", "Post this paper by Tuesday 13 May 2025"),
        ("A. Pwyllgor y gangen", "A. Branch committee"),
        ("B. Cynnig 1", "B. Motion 1"),
        ("Ie / Yes", "Na / No"),
        (f"Tudalen 1 o {per_paper} / Page 1 of {per_paper}", "Rhif 000001"),
    ]:
        assert welsh in first_paper and english in first_paper, (welsh, english)
        assert first_paper.index(welsh) <= first_paper.index(english)
    for name in (*NAMES, LONG):
        assert first_paper.count(name) == 1, name  # names are never translated or repeated
    assert cards[0].token.grouped in flat(page_text(out, 1))
    assert min(min(page) for page in text_sizes(out)) >= minimum
    assert "(continued)" not in text or "(parhad) / (continued)" in text


def test_every_page_of_a_bilingual_paper_has_its_tokens_qr_code(tmp_path: Path) -> None:
    cards = make_cards(1)
    out = tmp_path / "papers.pdf"
    design = paper()
    render_papers(cards, out, "ballot-paper-large", info=design)
    images = render_pages(out, dpi=100)
    assert len(images) >= 2
    for image in images:
        assert qr_texts(image) == [design.vote_url(cards[0].token.digits)]


def test_a_method_hint_and_contests_in_both_languages_on_a_card_of_several_contests(
    tmp_path: Path, info: CardInfo
) -> None:
    hints = (
        ContestHint("A", "Pwyllgor gwaith", MethodHint("rank", candidates=5)),
        ContestHint("B", "Cynnig 1", MethodHint("yesno")),
    )
    design = bilingual(info)
    assert design.also is not None
    design = replace(
        design,
        contests=hints,
        also=replace(
            design.also,
            contests=(replace(hints[0], title="Executive"), replace(hints[1], title="Motion 1")),
        ),
    )
    out = tmp_path / "cards.pdf"
    render_cards(make_cards(1), out, "postcard", info=design)
    text = flat(page_text(out))
    assert "A Pwyllgor gwaith; B Cynnig 1" in text and "A Executive; B Motion 1" in text
    assert text.index("A Pwyllgor gwaith") < text.index("A Executive")
