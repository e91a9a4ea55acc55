"""Postal ballot papers: every contest, candidate and box, the token on every page, large type."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ballotbox.core.printing.layouts import UnknownLayoutError
from ballotbox.core.printing.papers import (
    PaperContest,
    PaperInfo,
    PaperLayoutError,
    design_paper,
    render_papers,
)
from ballotbox.core.printing.pdfstream import UnprintableTextError
from ballotbox.core.printing.printrun import manifest_path
from tests.unit.tokens.conftest import make_cards
from tests.unit.tokens.pdfcheck import (
    ARABIC,
    GROUPED,
    LONG,
    NAMES,
    flat,
    page_count,
    page_text,
    smallest_text,
)


def info(*contests: PaperContest) -> PaperInfo:
    return PaperInfo(
        organisation="Undeb Enghreifftiol — Gogledd Cymru",
        title="Etholiad Pwyllgor y Gangen 2025 — Ŵyl",
        public_url="https://vote.example.org",
        closes="17:00 BST, Friday 16 May 2025",
        post_by="Tuesday 13 May 2025",
        return_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
        contests=contests
        or (
            PaperContest(
                "A",
                "Branch Committee",
                "scottish-stv",
                seats=3,
                candidates=tuple(enumerate([*NAMES, LONG, ARABIC], start=1)),
            ),
        ),
    )


@pytest.mark.parametrize(("layout", "minimum"), [("ballot-paper", 12), ("ballot-paper-large", 16)])
def test_first_page_holds_every_candidate_and_the_token_in_large_type(
    tmp_path: Path, layout: str, minimum: float
) -> None:
    cards = make_cards(2)
    out = tmp_path / "papers.pdf"
    assert render_papers(cards, out, layout, info=info()) == 2
    first = flat(page_text(out, 1))
    for name in (*NAMES, LONG):
        assert name in first, name
    assert cards[0].token.grouped in first
    assert "Etholiad Pwyllgor y Gangen 2025 — Ŵyl" in first
    assert "Post this paper by Tuesday 13 May 2025" in first
    assert "FREEPOST RTKE-ABCD" in first and "No. 000001" in first
    assert "Write 1 in the box of your first choice" in first
    assert smallest_text(out) >= minimum


def test_contests_of_every_kind_each_with_its_own_boxes(tmp_path: Path) -> None:
    contests = (
        PaperContest("A", "Chair", "irv", candidates=((1, "Ann Jones"), (2, "Bob Smith"))),
        PaperContest("B", "Motion: adopt the new rules", "referendum"),
        PaperContest(
            "C",
            "Delegates",
            "plurality",
            seats=2,
            max_choices=2,
            candidates=((1, "Cara"), (2, "Dai"), (3, "Eve")),
        ),
    )
    out = tmp_path / "papers.pdf"
    render_papers(make_cards(1), out, "ballot-paper", info=info(*contests))
    text = flat(page_text(out))
    for heading in ("A. Chair", "B. Motion: adopt the new rules", "C. Delegates"):
        assert heading in text
    assert "Put a cross (X) in one box: Yes, No or Abstain." in text
    assert "Yes" in text and "No" in text and "Abstain" in text
    assert "Put a cross (X) in the box of up to 2 candidates." in text
    assert text.index("A. Chair") < text.index("B. Motion") < text.index("C. Delegates")


def test_a_long_slate_runs_on_with_the_token_and_page_numbers_on_every_page(
    tmp_path: Path,
) -> None:
    slate = PaperContest(
        "A",
        "Regional list",
        "meek-stv",
        seats=10,
        candidates=tuple((n, f"Candidate number {n}") for n in range(1, 61)),
    )
    cards = make_cards(2)
    out = tmp_path / "papers.pdf"
    render_papers(cards, out, "ballot-paper-large", info=info(slate))
    pages = page_count(out)
    per_paper = pages // 2
    assert per_paper >= 3 and pages == 2 * per_paper
    for page in range(1, pages + 1):
        text = flat(page_text(out, page))
        card = cards[(page - 1) // per_paper]
        number = (page - 1) % per_paper + 1
        assert GROUPED.findall(text) == [card.token.grouped]
        assert f"Page {number} of {per_paper}" in text
        assert f"No. {card.serial}" in text
        if number > 1:
            assert "Regional list (continued)" in text
    every = flat(page_text(out))
    assert all(f"Candidate number {n}" in every for n in range(1, 61))
    assert smallest_text(out) >= 16


def test_split_papers_count_papers_not_pages(tmp_path: Path) -> None:
    out = tmp_path / "papers.pdf"
    render_papers(make_cards(3), out, "ballot-paper", info=info(), split=2)
    manifest = manifest_path(out).read_text()
    assert '"cards": 3' in manifest and "postal ballot papers" in manifest


def test_refusals_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(PaperLayoutError, match="return address"):
        design_paper(replace(info(), return_address=" "), "ballot-paper")
    chinese = PaperContest("A", "Chair", "irv", candidates=((1, "Ann"), (2, "王小明")))
    with pytest.raises(UnprintableTextError, match="“王” .* in “王小明”"):
        design_paper(info(chinese), "ballot-paper")
    with pytest.raises(UnknownLayoutError, match="ballot-paper-large"):
        design_paper(info(), "ballot-poster")
    assert list(tmp_path.iterdir()) == []
