"""Address labels: names and addresses only; a token never reaches the address run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ballotbox.core.members.registers import Member
from ballotbox.core.printing.labels import TokenOnLabelError, printable, render_address_labels
from ballotbox.core.printing.outputs import OutputExistsError
from tests.unit.tokens.conftest import make_cards


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


def test_characters_outside_the_font_are_simplified_and_reported(tmp_path: Path) -> None:
    polish = Member("north", "8", "Łukasz Wróbel", "", "M1 1AA", ("Ulica Świętego",))
    run = render_address_labels([polish], tmp_path / "l.pdf")
    assert run.simplified == ("8",)
    assert printable("Łukasz Świętego") == "Lukasz Swietego"


def test_labels_refuse_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "labels.pdf"
    out.write_bytes(b"x")
    with pytest.raises(OutputExistsError):
        render_address_labels(members(1), out)
    assert out.read_bytes() == b"x"
