"""Reading and writing the ERS .blt format."""

from __future__ import annotations

import pytest

from ballotbox.core.counting import count, read_blt, write_blt
from ballotbox.core.errors import FileFormatError

SAMPLE = (
    """# a comment before the header
4 2
-4
3 1 2 0
2 2=3 1 0   # equal second preferences
(7) 1 3 0
1 1 2 0
0
"Ann Adams"
Bob Brown
"Cat Cole" "Dan Dee"
"""
    + '"Ward 9"'
)  # no trailing newline


def test_lenient_file_is_read_in_full() -> None:
    data = read_blt(SAMPLE)
    assert data.candidates == ["Ann Adams", "Bob Brown", "Cat Cole", "Dan Dee"]
    assert data.seats == 2
    assert data.withdrawn == frozenset({3})
    assert data.title == "Ward 9"
    ballots = dict(data.ballots)
    assert ballots[((0,), (1,))] == 4  # identical lines are grouped
    assert ballots[((1, 2), (0,))] == 2
    assert ballots[((2,),)] == 1


def test_unquoted_names_and_missing_trailing_newline() -> None:
    data = read_blt("2 1\n1 1 0\n1 2 0\n0\nAnn (Lab)\nBob (SNP)\nWard 1 - Almond")
    assert data.candidates == ["Ann (Lab)", "Bob (SNP)"]
    assert data.title == "Ward 1 - Almond"


def test_decimal_weights_are_exact() -> None:
    data = read_blt('2 1\n1.5 1 0\n1/3 2 0\n0\n"A"\n"B"\n')
    weights = dict(data.ballots)
    assert str(weights[((0,),)]) == "3/2"
    assert str(weights[((1,),)]) == "1/3"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("x 1\n0\n", 1, "number-of-candidates"),
        ('2 1\n1 1 3 0\n0\n"A"\n"B"\n', 2, "from 1 to 2"),
        ('2 1\n1 1 0\nabc 1 0\n0\n"A"\n"B"\n', 3, "ballot weight"),
        ('2 1\n-5\n1 1 0\n0\n"A"\n"B"\n', 2, "withdrawn"),
        ('2 1\n1 1 0\n0\n"A"\n', 4, "expected 2 candidate names"),
        ('2 1\n1 1 0 2\n0\n"A"\n"B"\n', 2, "end of the line"),
        ('2 1\n1 1 0\n0\n"A"\n"B"\n"T"\n"extra"\n', 7, "nothing after the title"),
        ('2 1\n1 1 0\n"A"\n"B"\n', 4, "ending the ballots"),
    ],
)
def test_bad_files_say_where_and_what_was_expected(text: str, line: int, fragment: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_blt(text, source="bad.blt")
    assert caught.value.line == line
    assert fragment in caught.value.problem
    assert str(caught.value).startswith(f"bad.blt, line {line}:")


def test_write_then_read_gives_the_same_ballots_and_count() -> None:
    data = read_blt(SAMPLE)
    again = read_blt(write_blt(data))
    assert again.candidates == data.candidates
    assert again.withdrawn == data.withdrawn
    assert again.title == data.title
    assert dict(again.ballots) == dict(data.ballots)
    assert count("scottish-stv", again).to_json() == count("scottish-stv", data).to_json()


def test_written_file_is_plain_blt() -> None:
    text = write_blt(read_blt("2 1\n3 2 1 0\n0\nA\nB\nT"))
    assert text == '2 1\n3 2 1 0\n0\n"A"\n"B"\n"T"\n'
