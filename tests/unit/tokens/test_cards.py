"""Card print runs: the PDF, the split files and manifest, the CSV, and refusals."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from ballotbox.core.errors import InputError
from ballotbox.core.printing.carddesign import CardLayoutError
from ballotbox.core.printing.cards import (
    CardData,
    CardInfo,
    MethodHint,
    OutputExistsError,
    manifest_path,
    part_paths,
    render_cards,
    write_cards_csv,
)
from ballotbox.core.printing.layouts import UnknownLayoutError
from ballotbox.core.printing.pdfstream import UnprintableTextError
from ballotbox.core.printing.qr import encode_qrcode, encode_zxing
from tests.unit.tokens.conftest import make_cards
from tests.unit.tokens.pdfcheck import GROUPED, NAMES, page_text, smallest_text, text_sizes


def page_tokens(path: Path) -> list[list[str]]:
    """The grouped tokens printed on each page, in drawing order."""
    return [GROUPED.findall(page.extract_text()) for page in PdfReader(path).pages]


def serial_positions(path: Path, page: int) -> dict[str, tuple[float, float]]:
    """Where each card's serial ("No. 000001") is drawn on a page, by pdftotext -bbox."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(\d{6})<', html)
    return {serial: (float(x), float(y)) for x, y, serial in words}


@pytest.mark.parametrize(
    ("layout", "per_page", "tokens_per_page"),
    [("business", 10, [10, 0, 1, 0]), ("a4", 1, [1, 1]), ("avery", 14, [14, 1])],
)
def test_every_token_is_printed_once_in_order(
    tmp_path: Path, info: CardInfo, layout: str, per_page: int, tokens_per_page: list[int]
) -> None:
    cards = make_cards(per_page + 1)
    out = tmp_path / "cards.pdf"
    assert render_cards(cards, out, layout, info=info) == len(cards)
    pages = page_tokens(out)
    # A business card is two-sided: each sheet's back follows it and carries no token.
    assert [len(p) for p in pages] == tokens_per_page
    assert [t for p in pages for t in p] == [c.token.grouped for c in cards]


def test_card_text_has_serial_closing_date_and_a_complete_sms_example(
    tmp_path: Path, info: CardInfo
) -> None:
    cards = make_cards(1)
    out = tmp_path / "cards.pdf"
    render_cards(cards, out, info=info)
    front, back = (" ".join(page_text(out, n).split()) for n in (1, 2))
    assert "No. 000001" in front and "No. 000001" in back
    assert "Voting closes 5pm, Friday 16 May 2025." in front
    assert f"e.g. {cards[0].token.grouped} 3 1 2" in front.replace("\xa0", " ")
    assert "Turn over" in front
    for channel in ("vote.example.org", "0800 123 4567", "end with the # key", "FREEPOST"):
        assert channel in back, channel
    assert "check your vote" in back and "CHECK and your token" in back


def test_refuses_to_overwrite_and_leaves_the_old_file(tmp_path: Path, info: CardInfo) -> None:
    out = tmp_path / "cards.pdf"
    out.write_bytes(b"earlier print run")
    with pytest.raises(OutputExistsError) as caught:
        render_cards(make_cards(2), out, info=info)
    assert str(out) in str(caught.value)
    assert out.read_bytes() == b"earlier print run"


def test_split_writes_parts_and_a_manifest_that_checks_out(tmp_path: Path, info: CardInfo) -> None:
    cards = make_cards(25)
    out = tmp_path / "cards.pdf"
    seen: list[int] = []
    assert render_cards(cards, out, info=info, split=10, progress=seen.append) == 25
    assert not out.exists()
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["cards"] == 25
    files = manifest["files"]
    assert [f["file"] for f in files] == [p.name for p in part_paths(out, 3)]
    assert [f["cards"] for f in files] == [10, 10, 5]
    assert [f["pages"] for f in files] == [2, 2, 2]  # front and back of one sheet
    assert "duplex" in manifest["sheet"]
    assert [(f["first_serial"], f["last_serial"]) for f in files] == [
        ("000001", "000010"),
        ("000011", "000020"),
        ("000021", "000025"),
    ]
    for entry, path in zip(files, part_paths(out, 3), strict=True):
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    tokens = [t for path in part_paths(out, 3) for page in page_tokens(path) for t in page]
    assert tokens == [c.token.grouped for c in cards]
    assert seen[-1] == 25 and seen == sorted(seen)


def test_split_that_is_not_a_page_multiple_starts_each_file_on_a_fresh_page(
    tmp_path: Path, info: CardInfo
) -> None:
    out = tmp_path / "cards.pdf"
    render_cards(make_cards(14), out, info=info, split=7)
    for path in part_paths(out, 2):
        assert [len(p) for p in page_tokens(path)] == [7, 0]


def test_split_refuses_stale_parts_of_an_earlier_run(tmp_path: Path, info: CardInfo) -> None:
    out = tmp_path / "cards.pdf"
    part_paths(out, 2)[1].write_bytes(b"old")
    with pytest.raises(OutputExistsError):
        render_cards(make_cards(3), out, info=info, split=2)
    assert not part_paths(out, 1)[0].exists()


def test_a_failure_mid_run_removes_the_partial_files(tmp_path: Path, info: CardInfo) -> None:
    def cards() -> Iterator[CardData]:
        yield from make_cards(12)
        raise RuntimeError("database went away")

    out = tmp_path / "cards.pdf"
    with pytest.raises(RuntimeError):
        render_cards(cards(), out, info=info, split=10)
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_print_and_bad_split_are_input_errors(tmp_path: Path, info: CardInfo) -> None:
    with pytest.raises(InputError, match="no cards"):
        render_cards([], tmp_path / "a.pdf", info=info)
    with pytest.raises(InputError, match="at least 1"):
        render_cards(make_cards(1), tmp_path / "b.pdf", info=info, split=0)
    with pytest.raises(UnknownLayoutError, match="business"):
        render_cards(make_cards(1), tmp_path / "c.pdf", "poster", info=info)
    assert list(tmp_path.iterdir()) == []


def test_text_that_cannot_fit_is_refused_before_any_file(tmp_path: Path, info: CardInfo) -> None:
    crowded = replace(info, postal_address="Returning Officer, " * 20)
    with pytest.raises(CardLayoutError, match="a4 layout"):
        render_cards(make_cards(1), tmp_path / "cards.pdf", info=crowded)
    # The large-print page has room for it.
    assert render_cards(make_cards(1), tmp_path / "big.pdf", "a4", info=crowded) == 1
    assert not (tmp_path / "cards.pdf").exists()


def test_a_character_no_font_has_is_named_with_its_text(tmp_path: Path, info: CardInfo) -> None:
    title = "選挙 2025"
    with pytest.raises(UnprintableTextError) as caught:
        render_cards(make_cards(1), tmp_path / "c.pdf", info=replace(info, title=title))
    assert "“選”" in str(caught.value) and title in str(caught.value)
    assert not (tmp_path / "c.pdf").exists()


@pytest.mark.parametrize("layout", ["business", "a4", "avery"])
def test_welsh_greek_and_cyrillic_titles_print_exactly(
    tmp_path: Path, info: CardInfo, layout: str
) -> None:
    out = tmp_path / "cards.pdf"
    titles = ["Ŵyl Etholiad Tŷ Gwyn", *NAMES]
    for n, title in enumerate(titles):
        path = out.with_name(f"cards-{n}.pdf")
        render_cards(make_cards(1), path, layout, info=replace(info, title=title))
        assert title in page_text(path, 1), title
        assert title in PdfReader(path).pages[0].extract_text(), title


def test_pdf_special_characters_are_escaped(tmp_path: Path, info: CardInfo) -> None:
    out = tmp_path / "cards.pdf"
    render_cards(make_cards(1), out, info=replace(info, title=r"Vote (2025) \ Café"))
    assert r"Vote (2025) \ Café" in PdfReader(out).pages[0].extract_text()


@pytest.mark.parametrize(("layout", "minimum"), [("business", 8), ("a4", 16), ("avery", 8)])
def test_no_text_under_the_layouts_minimum(
    tmp_path: Path, info: CardInfo, layout: str, minimum: float
) -> None:
    out = tmp_path / "cards.pdf"
    render_cards(make_cards(12), out, layout, info=info)
    sizes = text_sizes(out)
    assert all(page for page in sizes)  # every page has text, backs included
    assert min(min(page) for page in sizes) >= minimum


def test_long_and_right_to_left_titles_wrap_without_breaking_the_card(
    tmp_path: Path, info: CardInfo
) -> None:
    long_title = "Election of the Branch Secretary and Treasurer for 2025–2027"  # 60 characters
    assert len(long_title) == 60
    for n, title in enumerate([long_title, "انتخابات الفرع ٢٠٢٥ محمد عبد الله"]):
        out = tmp_path / f"cards-{n}.pdf"
        render_cards(make_cards(2), out, info=replace(info, title=title))
        assert smallest_text(out) >= 8
        assert len(page_tokens(out)[0]) == 2
    assert "Election of the Branch Secretary" in " ".join(
        page_text(tmp_path / "cards-0.pdf").split()
    )


def test_backs_are_mirrored_so_duplex_puts_each_back_behind_its_front(
    tmp_path: Path, info: CardInfo
) -> None:
    out = tmp_path / "cards.pdf"
    render_cards(make_cards(10), out, info=info)
    width = float(PdfReader(out).pages[0].mediabox.width)
    front, back = (serial_positions(out, page) for page in (1, 2))
    assert sorted(front) == sorted(back) == [f"{n:06d}" for n in range(1, 11)]
    for serial, (x, y) in front.items():
        bx, by = back[serial]
        assert abs(by - y) < 1  # same row
        # Same place on the card, mirrored across the sheet: the serial is right-aligned,
        # so its right edge on the back sits where the card's right edge maps on the front.
        assert (x < width / 2) != (bx < width / 2)


def test_cards_are_small_on_disk(tmp_path: Path, info: CardInfo) -> None:
    out = tmp_path / "cards.pdf"
    render_cards(make_cards(100), out, info=info)
    assert out.stat().st_size / 100 < 4096


def test_print_house_csv(tmp_path: Path) -> None:
    cards = make_cards(3)
    out = tmp_path / "cards.csv"
    assert write_cards_csv(cards, out, public_url="https://vote.example.org/") == 3
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == ["serial", "token", "token_grouped", "url"]
    first = cards[0].token
    assert rows[0] == {
        "serial": "000001",
        "token": first.digits,
        "token_grouped": first.grouped,
        "url": f"https://vote.example.org/v/{first.digits}",
    }
    with pytest.raises(OutputExistsError):
        write_cards_csv(cards, out, public_url="https://vote.example.org")


@pytest.mark.parametrize(
    ("hint", "example", "instruction"),
    [
        (MethodHint("rank", candidates=7), "3 1 2", "Rank the candidates"),
        (MethodHint("rank", candidates=2), "2 1", "Rank the candidates"),
        (MethodHint("choose", candidates=5, max_choices=3), "1 3", "Choose up to 3 of the 5"),
        (MethodHint("choose", candidates=4, max_choices=1), "1", "Choose up to 1 of the 4"),
        (MethodHint("yesno"), "YES", "YES or NO"),
    ],
)
def test_method_hint_and_sms_example(hint: MethodHint, example: str, instruction: str) -> None:
    assert hint.example_choices() == example
    assert instruction in hint.instruction()


def test_both_qr_encoders_give_a_square_matrix_with_finder_patterns() -> None:
    for encode in (encode_qrcode, encode_zxing):
        matrix = encode("https://vote.example.org/v/48210937551288403316")
        assert len(matrix) == len(matrix[0]) >= 21
        assert all(matrix[0][:7]) and all(matrix[6][:7]) and not any(matrix[1][1:6])
