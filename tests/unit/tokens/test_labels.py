"""Address labels: names and addresses exactly as registered, never a token, never under 8 pt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ballotbox.core.members.registers import Member
from ballotbox.core.printing.labels import (
    LabelTextError,
    LabelTooLongError,
    TokenOnLabelError,
    render_address_labels,
)
from ballotbox.core.printing.outputs import OutputExistsError
from tests.unit.tokens.conftest import make_cards
from tests.unit.tokens.pdfcheck import page_text, smallest_text

NAMES = [
    "Siân Ŵyn",
    "Tŷ Gwyn",
    "Łukasz Żółć",
    "Αλέξανδρος Παπαδόπουλος",
    "Дмитрий Шостакович",
]


def members(count: int) -> list[Member]:
    return [
        Member("north", f"{n}", f"Member {n}", "", "M1 1AA", (f"{n} High Street", "Manchester"))
        for n in range(1, count + 1)
    ]


@pytest.mark.parametrize(("layout", "per_page"), [("l7163", 14), ("l7160", 21)])
def test_labels_fill_sheets_with_names_and_addresses(
    tmp_path: Path, layout: str, per_page: int
) -> None:
    out = tmp_path / "labels.pdf"
    run = render_address_labels(members(per_page + 2), out, layout)
    assert run.labels == per_page + 2
    pages = PdfReader(out).pages
    assert len(pages) == 2
    text = pages[0].extract_text()
    assert "Member 1" in text and "1 High Street" in text and "M1 1AA" in text
    assert not re.search(r"\d{4} \d{4} \d{4}", text)


@pytest.mark.parametrize("layout", ["l7163", "l7160"])
def test_every_name_prints_exactly_as_registered(tmp_path: Path, layout: str) -> None:
    people = [
        Member("north", str(n), name, "", "LL55 4TY", ("Tŷ Gwyn", "Ffordd Ŵyl"))
        for n, name in enumerate(NAMES, start=1)
    ]
    out = tmp_path / "labels.pdf"
    render_address_labels(people, out, layout)
    for reader in (page_text(out), PdfReader(out).pages[0].extract_text()):
        for name in [*NAMES, "Tŷ Gwyn", "Ffordd Ŵyl"]:
            assert name in reader, f"{name!r} missing from the extracted text"
    assert smallest_text(out) >= 8


def test_long_and_right_to_left_names_wrap_and_stay_at_8_pt_or_more(tmp_path: Path) -> None:
    long_name = "Sir Bartholomew Montgomery-Fitzwilliam Alexander John-Smythe"
    assert len(long_name) == 60
    people = [
        Member("north", "1", long_name, "", "M1 1AA", ("1 High Street",)),
        Member("north", "2", "محمد عبد الله", "", "M1 1AA", ("2 High Street",)),
    ]
    out = tmp_path / "labels.pdf"
    assert render_address_labels(people, out, "l7160").labels == 2
    assert smallest_text(out) >= 8
    text = " ".join(page_text(out).split())
    assert "Sir Bartholomew Montgomery-Fitzwilliam" in text and "John-Smythe" in text


def test_a_character_no_font_has_stops_the_run_naming_member_character_and_name(
    tmp_path: Path,
) -> None:
    out = tmp_path / "labels.pdf"
    people = [*members(2), Member("north", "77", "王小明", "", "M1 1AA", ("1 Road",))]
    with pytest.raises(LabelTextError) as caught:
        render_address_labels(people, out)
    message = str(caught.value)
    assert "Member 77" in message and "“王”" in message and "王小明" in message
    assert not out.exists()


def test_an_address_too_long_for_the_label_is_refused(tmp_path: Path) -> None:
    lines = tuple(f"Line {n} of a very long address indeed" for n in range(12))
    with pytest.raises(LabelTooLongError, match="Member 9"):
        render_address_labels(
            [Member("north", "9", "Ann", "", "M1 1AA", lines)], tmp_path / "l.pdf", "l7160"
        )
    assert not (tmp_path / "l.pdf").exists()


def test_members_without_an_address_are_skipped_and_listed(tmp_path: Path) -> None:
    run = render_address_labels(
        [*members(1), Member("north", "X9", "No Address")], tmp_path / "l.pdf"
    )
    assert (run.labels, run.no_address) == (1, ("X9",))


def test_a_token_in_an_address_is_refused_and_no_file_is_left(tmp_path: Path) -> None:
    token = make_cards(1)[0].token
    leaked = Member("north", "7", "Ann", "", "M1 1AA", (token.grouped,))
    out = tmp_path / "labels.pdf"
    with pytest.raises(TokenOnLabelError, match="Member 7"):
        render_address_labels([*members(3), leaked], out)
    assert not out.exists()


def test_labels_refuse_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "labels.pdf"
    out.write_bytes(b"x")
    with pytest.raises(OutputExistsError):
        render_address_labels(members(1), out)
    assert out.read_bytes() == b"x"


def test_a_run_where_no_one_has_an_address_still_writes_a_readable_file(tmp_path: Path) -> None:
    out = tmp_path / "l.pdf"
    run = render_address_labels([Member("north", "X9", "No Address")], out)
    assert (run.labels, run.no_address) == (0, ("X9",))
    assert len(PdfReader(out).pages) == 1 and page_text(out).strip() == ""
