"""Member registers: header detection, every bad row reported with line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballotbox.core.errors import FileFormatError
from ballotbox.core.members.registers import Member, RowProblem, display_postcode, read_register

GOOD_AND_BAD = """Membership No,Full Name,E-mail,Post code
1001,Ann Jones,ann@example.org,m1 1aa
,No Number,x@example.org,M1 1AA
1002,Bob Smith,bob-at-example.org,LS1 4AP
1001,Ann Again,ann2@example.org,M1 1AA
1003,Too,Many,Fields,Here
1004,"Quoted, Name",,EH1  1YZ

1005,Short
"""


def test_good_rows_become_members_and_bad_rows_are_reported_by_line() -> None:
    result = read_register(GOOD_AND_BAD, org="north")
    assert [m.number for m in result.members] == ["1001", "1004"]
    assert result.members[0] == Member("north", "1001", "Ann Jones", "ann@example.org", "M1 1AA")
    assert result.members[1].name == "Quoted, Name"
    assert result.members[1].postcode == "EH1 1YZ"
    assert result.problems == [
        RowProblem(3, "missing membership number"),
        RowProblem(4, "malformed email address “bob-at-example.org”"),
        RowProblem(5, "duplicate membership number 1001 (first on line 2)"),
        RowProblem(6, "5 fields where the header has 4"),
        RowProblem(9, "2 fields where the header has 4"),
    ]
    assert result.columns == {
        "number": ["Membership No"],
        "name": ["Full Name"],
        "email": ["E-mail"],
        "postcode": ["Post code"],
    }


def test_line_numbers_count_physical_lines_in_quoted_multiline_cells() -> None:
    text = 'id,name,address,postcode\n1,A,"1 High St\nLeeds",LS1 1AA\n,B,x,y\n'
    result = read_register(text, org="o")
    assert result.members[0].address == ("1 High St", "Leeds")
    assert result.problems == [RowProblem(4, "missing membership number")]


def test_explicit_mapping_overrides_detection() -> None:
    text = "Ref Code,Who,Contact,Street,Town,PC\nA7,Cy Dee,cy@example.org,2 Low Rd,York,yo1 7hh\n"
    mapping: dict[str, str | list[str]] = {
        "number": "Ref Code",
        "name": "Who",
        "email": "Contact",
        "address": ["Street", "Town"],
        "postcode": "PC",
    }
    member = read_register(text, org="o", mapping=mapping).members[0]
    assert member == Member("o", "A7", "Cy Dee", "cy@example.org", "YO1 7HH", ("2 Low Rd", "York"))


def test_unknown_mapped_column_and_missing_number_column_are_file_errors() -> None:
    with pytest.raises(FileFormatError, match="no column “Nope” for number") as caught:
        read_register("a,b\n1,2\n", org="o", mapping={"number": "Nope"})
    assert caught.value.line == 1
    with pytest.raises(FileFormatError, match="no membership number column; the columns are: a, b"):
        read_register("a,b\n1,2\n", org="o")
    with pytest.raises(FileFormatError, match="empty"):
        read_register("\n\n", org="o")


def test_split_name_columns_are_joined_and_semicolons_sniffed() -> None:
    text = "Member ID;Title;First name;Surname;Email\n9;Dr;Émile;Zola;EZ@Example.ORG\n"
    member = read_register(text, org="o").members[0]
    assert member.name == "Dr Émile Zola"
    assert member.email == "ez@example.org"


def test_encodings_utf8_bom_and_cp1252(tmp_path: Path) -> None:
    text = "Membership Number,Name\n1,José Müller\n"
    for data, encoding in [
        (text.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
        (text.encode("cp1252"), "cp1252"),
    ]:
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(data)
        result = read_register(path, org="o")
        assert result.encoding == encoding
        assert result.members[0].name == "José Müller"


def test_undecodable_rows_are_reported_and_the_rest_imported() -> None:
    # 0x81 is undefined in cp1252 and invalid alone in UTF-8.
    data = b"Membership Number,Name\n1,Ann\n2,B\x81ob\n3,Cy\n"
    result = read_register(data, org="o")
    assert [m.number for m in result.members] == ["1", "3"]
    assert result.problems == [RowProblem(3, "undecodable bytes (not UTF-8 or Windows-1252 text)")]


def test_trailing_empty_cells_from_spreadsheets_are_tolerated() -> None:
    result = read_register("number,name\n1,Ann,,\n", org="o")
    assert result.problems == [] and result.members[0].name == "Ann"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("m11aa", "M1 1AA"), ("sw1a  2aa", "SW1A 2AA"), ("EC1A1BB", "EC1A 1BB"), ("75001", "75001")],
)
def test_postcodes_are_shown_the_uk_way(raw: str, shown: str) -> None:
    assert display_postcode(raw) == shown
