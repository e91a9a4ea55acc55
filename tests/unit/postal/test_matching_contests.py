"""Reading and comparing keyed letters for a ballot of several contests."""

from __future__ import annotations

import json

import pytest

from ballotbox.core.tokens.format import generate
from ballotbox.definition import definition_from_dict
from ballotbox.services.postal.errors import EntryError
from ballotbox.services.postal.matching import Keyed, agree, differences, marks_for, read_entry
from ballotbox.services.postal.sealing import entry_key, seal, unseal
from tests.fixtures.contest_ballots import three_contests

TOKEN = generate(lambda n: 123456789012345678 % n)
THREE = definition_from_dict(three_contests())
MARKS = {"A": {3: "1", 1: "2"}, "B": {}, "C": {1: "X"}}


def test_each_contest_is_read_by_its_method_and_an_empty_one_is_blank() -> None:
    keyed = read_entry(THREE, TOKEN.grouped, MARKS)
    assert keyed.token == TOKEN.digits and keyed.choices is None
    assert keyed.ballot == (("A", (3, 1)), ("B", ()), ("C", (1,)))
    assert keyed.for_cast() == {"A": [3, 1], "B": [], "C": [1]}


@pytest.mark.parametrize(
    ("marks", "field", "words"),
    [
        ({"A": {1: "1", 2: "1"}}, "marks_A", "Contest A, Executive committee: Two candidates"),
        ({"A": {1: "1"}, "B": {1: "1", 2: "3"}}, "marks_B", "Contest B, Chair: There is no choice"),
        ({"C": {1: "X", 2: "X"}}, "marks_C", "Contest C, Motion 1: affiliate to the campaign:"),
        ({"B": {2: "a"}}, "marks_B", "“a” next to candidate 2 is not a rank number"),
        ({}, "marks_A", "Nothing is marked in any contest"),
        ({"A": {}, "B": {}, "C": {}}, "marks_A", "Nothing is marked in any contest"),
    ],
)
def test_a_problem_names_its_contest_and_field(
    marks: dict[str, dict[int, str]], field: str, words: str
) -> None:
    with pytest.raises(EntryError) as caught:
        read_entry(THREE, TOKEN.digits, marks)
    assert caught.value.field == field
    assert words in caught.value.message and "mark it spoilt" in caught.value.message


def test_entries_are_compared_contest_by_contest() -> None:
    first = read_entry(THREE, TOKEN.digits, MARKS)
    same = read_entry(THREE, "-".join(TOKEN.grouped.split()), {**MARKS, "A": {3: " 1", 1: "2 "}})
    assert agree(first, same)
    other = read_entry(THREE, TOKEN.digits, {**MARKS, "C": {2: "x"}})
    assert differences(first, other) == ["contest C"]
    both = read_entry(THREE, TOKEN.digits, {"A": {1: "1"}, "B": {2: "1"}, "C": {1: "X"}})
    assert differences(first, both) == ["contest A", "contest B"]
    spoilt = read_entry(THREE, "", {}, "no_marks")
    assert differences(first, spoilt) == ["spoilt", "token", "contest A", "contest B", "contest C"]


def test_marks_round_trip_for_the_adjudication_page() -> None:
    keyed = read_entry(THREE, TOKEN.digits, MARKS)
    assert marks_for(THREE, keyed) == {"A": {3: "1", 1: "2"}, "B": {}, "C": {1: "X"}}
    assert read_entry(THREE, TOKEN.digits, marks_for(THREE, keyed)) == keyed


def test_sealed_entries_of_several_contests_round_trip_and_one_contest_is_unchanged() -> None:
    keyed = read_entry(THREE, TOKEN.digits, MARKS)
    assert json.loads(keyed.to_bytes()) == {
        "token": TOKEN.digits,
        "ballot": {"A": [3, 1], "B": [], "C": [1]},
    }
    assert Keyed.from_bytes(keyed.to_bytes()) == keyed
    key = entry_key(b"k" * 32)
    assert unseal(key, seal(key, keyed, b"n" * 24)) == keyed
    # A letter keyed before contests existed (still pending at the upgrade) opens as before.
    old = b'{"token": "' + TOKEN.digits.encode() + b'", "choices": [2, 1]}'
    assert Keyed.from_bytes(old) == Keyed(token=TOKEN.digits, choices=(2, 1))
    assert Keyed(token=TOKEN.digits, choices=(2, 1)).to_bytes() == old
