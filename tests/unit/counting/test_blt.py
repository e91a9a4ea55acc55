"""Reading and writing the ERS .blt format."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from ballotbox.core.counting import CountInput, blt_pieces, count, read_blt, write_blt
from ballotbox.core.counting.profile import MAX_BYTE_CANDIDATES, Profile, from_id_bytes
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


HEADER_AND_NAMES = ("2 1\n", '0\n"A"\n"B"\n')


def blt(*ballot_lines: str) -> str:
    return HEADER_AND_NAMES[0] + "".join(ballot_lines) + HEADER_AND_NAMES[1]


@pytest.mark.parametrize(
    ("weight", "fragment"),
    [
        ("1" * 4300, "at most 40 characters"),
        ("9" * 5000, "at most 40 characters"),
        ("1e999999", "exponent from -30 to 30"),
        ("1e-999999", "exponent from -30 to 30"),
        ("1e16", "at most 1,000,000,000,000,000"),
        ("1/10000000000000000", "denominator"),
        ("1/0", "ballot weight (a number)"),
        ("-2", "cannot be negative"),
        ("1_000", "ballot weight (a number)"),
    ],
)
def test_hostile_weights_are_refused_with_the_line(weight: str, fragment: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_blt(blt("1 1 2 0\n", f"{weight} 2 1 0\n"), source="bad.blt")
    assert caught.value.line == 3
    assert fragment in caught.value.problem
    assert len(str(caught.value)) < 200  # a 4,300-digit number is not echoed back whole


def test_weights_whose_fractions_share_no_small_denominator_are_refused() -> None:
    primes = [1000003, 1000033, 1000037, 1000039]  # 1/p each: the common denominator explodes
    lines = [f"1/{p} 1 2 0\n" for p in primes]
    with pytest.raises(FileFormatError) as caught:
        read_blt(blt(*lines))
    assert "common denominator" in caught.value.problem
    assert caught.value.line is not None and 2 <= caught.value.line <= 5


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("9" * 5000 + " 1\n0\n", 1, "number-of-candidates"),
        ("2 " + "9" * 5000 + "\n0\n", 1, "number-of-candidates"),
        ("20001 1\n0\n", 1, "at most 10,000 candidates"),
        ("2 1\n-" + "9" * 5000 + '\n1 1 0\n0\n"A"\n"B"\n', 2, "withdrawn"),
        ("2 1\n1 " + "9" * 5000 + ' 0\n0\n"A"\n"B"\n', 2, "from 1 to 2"),
        ('2 1\n1 \u00b2 0\n0\n"A"\n"B"\n', 2, "from 1 to 2"),
    ],
)
def test_hostile_numbers_elsewhere_are_refused(text: str, line: int, fragment: str) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_blt(text)
    assert caught.value.line == line
    assert fragment in caught.value.problem


def test_bytes_bom_and_every_line_ending_read_alike() -> None:
    text = blt("3 1 2 0\n", "2 2 0\n")
    expected = read_blt(text)
    for variant in (
        text.encode(),
        b"\xef\xbb\xbf" + text.encode(),
        text.replace("\n", "\r\n").encode(),
        text.replace("\n", "\r").encode(),
        text.replace("\n", "\r\n"),
    ):
        data = read_blt(variant)
        assert list(data.ballots) == list(expected.ballots)
        assert data.candidates == expected.candidates


def test_the_ballots_end_at_the_first_line_that_is_only_0() -> None:
    for end in ("0", "0 # end of ballots", "  0  ", "0\t"):
        data = read_blt(f'2 1\n3 1 2 0\n{end}\n"A"\n"B"\n')
        assert dict(data.ballots) == {((0,), (1,)): 3}
    # a ballot-like line after the end is a name, not a ballot
    data = read_blt('2 1\n3 1 2 0\n0\n1 2 0\n"B"\n')
    assert data.candidates == ["1 2 0", "B"]
    assert dict(data.ballots) == {((0,), (1,)): 3}


def test_the_same_ranking_written_differently_adds_up() -> None:
    data = read_blt(blt("1 1 2 0\n", "2  1   2 0\n", "(9) 3 1 2 0  # id and comment\n", "4 1 2\n"))
    assert dict(data.ballots) == {((0,), (1,)): 10}


def test_a_repeated_candidate_keeps_its_first_place() -> None:
    repeated = read_blt(blt("5 1 2 1 0\n", "2 2 0\n"))
    plain = read_blt(blt("5 1 2 0\n", "2 2 0\n"))
    assert dict(repeated.ballots) == dict(plain.ballots)
    for method in ("scottish-stv", "meek-stv", "approval"):
        assert count(method, repeated).to_json() == count(method, plain).to_json()


def test_a_bad_line_deep_in_a_large_file_is_found_by_its_number() -> None:
    lines = ["1 1 2 0\n", "1 2 1 0\n", "1 2 0\n"] * 400
    lines[900] = "1 2 7 0\n"  # candidate 7 of 2: a plain-looking line with a bad number
    with pytest.raises(FileFormatError) as caught:
        read_blt(blt(*lines))
    assert caught.value.line == 902
    assert "from 1 to 2" in caught.value.problem


def test_a_read_file_is_a_sequence_of_ranking_and_weight() -> None:
    data = read_blt(blt("3 1 2 0\n", "2 2=1 0\n", "1 0\n"))
    ballots = data.ballots
    assert len(ballots) == 3
    assert sorted(ballots) == [((), 1), (((0,), (1,)), 3), (((1, 0),), 2)]
    assert [ballots[i] for i in range(3)] == list(ballots) == ballots
    assert ballots[-1] == ballots[2] and ballots[1:] == list(ballots)[1:]


def test_a_file_with_no_plain_lines_or_no_ballots_at_all() -> None:
    assert list(read_blt('2 1\n2 2=1 0\n0\n"A"\n"B"\n').ballots) == [(((1, 0),), 2)]
    assert list(read_blt('2 1\n0\n"A"\n"B"\n').ballots) == []


def test_a_profile_is_written_as_its_rankings_are() -> None:
    """The writer reads a profile's codes straight; the text is that of its rankings as tuples."""
    rankings = [" ".join(p) for p in itertools.permutations("1234567", 6)]  # 5,040 of them
    lines = [f"{i % 7 + 1} {r} 0" for i, r in enumerate(rankings)] + ["5 1 2 1 0", "2 0"]
    names = "\n".join(f'"{c}"' for c in "ABCDEFG")
    data = read_blt("7 2\n" + "\n".join(lines) + f"\n0\n{names}\n")
    assert isinstance(data.ballots, Profile) and not data.ballots.levels
    as_tuples = dataclasses.replace(data, ballots=list(data.ballots))
    assert write_blt(data) == write_blt(as_tuples)
    assert len(list(blt_pieces(data))) == 4  # head, 4,096 ballot lines, the rest, tail
    equal = read_blt(blt("2 2=1 0\n", "3 1 2 0\n"))  # a level of equals: the general way
    assert write_blt(equal) == write_blt(dataclasses.replace(equal, ballots=list(equal.ballots)))


def test_a_profile_from_bytes_of_ids_counts_as_its_tuples_do() -> None:
    rankings = [(b"\x00\x01", 5), (b"\x01", 2), (b"\x02\x00\x01", 3), (b"\x01\x02", 4)]
    profile = from_id_bytes(3, [rankings[:3], rankings[3:]])
    assert list(profile) == [(tuple((c,) for c in ids), w) for ids, w in rankings]
    data = CountInput(candidates=["A", "B", "C"], seats=1, ballots=profile)
    as_tuples = dataclasses.replace(data, ballots=list(profile))
    for method in ("scottish-stv", "meek-stv", "irv"):
        assert count(method, data).to_json() == count(method, as_tuples).to_json()
    with pytest.raises(ValueError, match="do not fit one byte"):
        from_id_bytes(MAX_BYTE_CANDIDATES + 1, [])
