"""Member registers: header detection, every bad row reported with line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballotbox.core.errors import FileFormatError
from ballotbox.core.members.registers import (
    FieldWarning,
    Member,
    RowProblem,
    display_postcode,
    read_register,
)

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
    assert [m.number for m in result.members] == ["1001", "1002", "1004"]
    assert result.members[0] == Member("north", "1001", "Ann Jones", "ann@example.org", "M1 1AA")
    assert result.members[2].name == "Quoted, Name"
    assert result.members[2].postcode == "EH1 1YZ"
    # A bad email is a warning on that field: the member is kept, the address as written.
    assert result.members[1].email == "bob-at-example.org"
    assert result.warnings == [
        FieldWarning(
            4, "1002", "email", "bob-at-example.org", "malformed email address “bob-at-example.org”"
        )
    ]
    assert result.problems == [
        RowProblem(3, "missing membership number"),
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


EXCEL_UNICODE_TEXT = (
    "Membership Number\tName\tMobile\tBranch\n1\tJosé Müller, Jr\t07700 900123\tN\n"
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (EXCEL_UNICODE_TEXT.encode("utf-8"), "UTF-8"),
        (b"\xef\xbb\xbf" + EXCEL_UNICODE_TEXT.encode("utf-8"), "UTF-8 with byte-order mark"),
        (EXCEL_UNICODE_TEXT.encode("cp1252"), "Windows-1252"),
        (EXCEL_UNICODE_TEXT.encode("utf-16"), "UTF-16 little-endian (Excel Unicode Text)"),
        (b"\xfe\xff" + EXCEL_UNICODE_TEXT.encode("utf-16-be"), "UTF-16 big-endian"),
    ],
    ids=["utf-8", "utf-8-bom", "cp1252", "utf-16-le", "utf-16-be"],
)
def test_each_encoding_is_detected_and_reported(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "register.txt"
    path.write_bytes(data)
    result = read_register(path, org="o")
    assert result.encoding == encoding
    assert result.members == [
        Member("o", "1", "José Müller, Jr", phone="07700 900123")
    ]  # TAB-separated, the comma inside the name kept
    assert result.unknown_columns == ["Branch"]


@pytest.mark.parametrize(
    ("data", "line", "why"),
    [
        (b"Membership Number,Name\n1,Ann\n2,B\x81ob\n", 3, "byte 0x81 is no character"),
        ("Membership Number,Name\n1,Ann\n".encode("utf-16-le"), None, "without a byte-order"),
        (b"PK\x03\x04\x14\x00\x06\x00", None, "an Excel workbook"),
        (b"\xef\xbb\xbfnumber,name\n1,\xff\n", 2, "not UTF-8 with byte-order mark text"),
    ],
    ids=["not-cp1252", "utf-16-no-bom", "xlsx", "bad-after-bom"],
)
def test_undecodable_files_are_refused_with_the_reason(
    data: bytes, line: int | None, why: str
) -> None:
    with pytest.raises(FileFormatError, match=why) as caught:
        read_register(data, org="o", name="nw.csv")
    assert caught.value.line == line
    assert "CSV UTF-8" in caught.value.message  # says what to do


def test_doubtful_phone_numbers_are_warnings_and_unknown_columns_listed() -> None:
    text = "Member No,Name,Phone,Shoe size\n1,Ann,+44 (0)161 496 0000,5\n2,Bob,ring me,9\n"
    result = read_register(text, org="o")
    assert [m.phone for m in result.members] == ["+44 (0)161 496 0000", "ring me"]
    assert [(w.line, w.field, w.number) for w in result.warnings] == [(3, "phone", "2")]
    assert result.unknown_columns == ["Shoe size"]
    assert result.problems == []


def test_trailing_empty_cells_from_spreadsheets_are_tolerated() -> None:
    result = read_register("number,name\n1,Ann,,\n", org="o")
    assert result.problems == [] and result.members[0].name == "Ann"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("m11aa", "M1 1AA"), ("sw1a  2aa", "SW1A 2AA"), ("EC1A1BB", "EC1A 1BB"), ("75001", "75001")],
)
def test_postcodes_are_shown_the_uk_way(raw: str, shown: str) -> None:
    assert display_postcode(raw) == shown
