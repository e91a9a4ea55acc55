"""Rendered pages: every QR code on every page scans to <url>/v/<its card's token>.

Cards, stickers and postal ballot papers alike; the backs of two-sided cards
carry neither a token nor a QR code.

The PDF is rasterised with poppler's pdftoppm, as a printer would see it, and
every QR code is decoded with zxing-cpp; the printed digits are read back with
pdftotext.  Tokens, QR codes and printed digits must agree card for card.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ballotbox.core.printing.cards import CardInfo, MethodHint, render_cards
from ballotbox.core.printing.papers import PaperContest, PaperInfo, render_papers
from ballotbox.core.tokens.format import parse
from tests.conftest import skip_or_fail
from tests.unit.tokens.conftest import make_cards
from tests.unit.tokens.pdfcheck import page_text, qr_texts, render_pages

URL = "https://vote.example.org"
GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b")
LINK = re.compile(re.escape(URL) + r"/v/(\d{20})")

INFO = CardInfo(
    organisation="Example Union — North West Region",
    title="Branch Committee Election 2025",
    public_url=URL,
    closes="5pm, Friday 16 May 2025",
    method=MethodHint("rank", candidates=7),
    sms_number="0770 090 0123",
    phone_number="0800 123 4567",
    postal_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
)
PAPER = PaperInfo(
    organisation="Example Union — North West Region",
    title="Branch Committee Election 2025",
    public_url=URL,
    closes="17:00 BST, Friday 16 May 2025",
    post_by="Tuesday 13 May 2025",
    return_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
    contests=(
        PaperContest(
            "A",
            "Branch Committee",
            "scottish-stv",
            seats=2,
            candidates=tuple((n, f"Candidate {n}") for n in range(1, 9)),
        ),
    ),
)


@pytest.fixture(scope="module")
def poppler() -> None:
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} not found (Debian package poppler-utils)")


@pytest.mark.parametrize(
    ("layout", "count", "per_sheet", "backs", "dpi"),
    [
        ("business", 13, 10, True, 200),
        ("a4", 2, 1, False, 100),
        ("avery", 16, 14, False, 200),
        ("ballot-paper", 2, 1, False, 100),
        ("ballot-paper-large", 2, 1, False, 100),  # two pages a paper: both carry the token
    ],
)
def test_every_qr_code_and_printed_token_match(
    tmp_path: Path, poppler: None, layout: str, count: int, per_sheet: int, backs: bool, dpi: int
) -> None:
    cards = make_cards(count, seed=11)
    pdf = tmp_path / f"{layout}.pdf"
    if layout.startswith("ballot-paper"):
        render_papers(cards, pdf, layout, info=PAPER)
    else:
        render_cards(cards, pdf, layout, info=INFO)
    images = render_pages(pdf, dpi)
    sheets = -(-count // per_sheet)
    pages_per_sheet = len(images) // sheets
    assert len(images) == sheets * pages_per_sheet
    if not layout.startswith("ballot-paper"):
        assert pages_per_sheet == (2 if backs else 1)
    for number, image in enumerate(images, start=1):
        sheet = (number - 1) // pages_per_sheet
        links = qr_texts(image)
        printed = {g.replace(" ", "") for g in GROUPED.findall(page_text(pdf, number))}
        if backs and (number - 1) % pages_per_sheet:  # a card's back: no token, no QR code
            assert links == [] and printed == set()
            continue
        expected = {c.token.digits for c in cards[sheet * per_sheet : (sheet + 1) * per_sheet]}
        assert len(links) == len(expected), f"page {number}: {len(links)} QR codes decoded"
        from_qr = set()
        for link in links:
            match = LINK.fullmatch(link)
            assert match, f"unexpected QR content {link!r}"
            from_qr.add(parse(match.group(1)).digits)  # a valid token, checksum and all
        assert from_qr == printed == expected


def test_names_and_titles_in_any_european_script_render_as_glyphs(
    tmp_path: Path, poppler: None
) -> None:
    """Rasterised, the Welsh, Polish, Greek and Cyrillic text is ink, not empty boxes."""
    from PIL import Image, ImageChops

    names = ["Siân Ŵyn", "Tŷ Gwyn", "Łukasz Żółć", "Αλέξανδρος Παπαδόπουλος", "Дмитрий Шостакович"]
    contest = PaperContest("A", "Pwyllgor", "irv", candidates=tuple(enumerate(names, start=1)))
    pdf = tmp_path / "paper.pdf"
    render_papers(make_cards(1), pdf, "ballot-paper", info=replace(PAPER, contests=(contest,)))
    (image,) = render_pages(pdf, 100)
    text = " ".join(page_text(pdf, 1).split())
    assert all(name in text for name in names)
    with Image.open(image) as picture:
        ink = ImageChops.invert(picture.convert("L")).getbbox()
    assert ink is not None
