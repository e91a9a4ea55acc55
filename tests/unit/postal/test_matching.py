"""Reading and comparing keyed entries: forgiving about form, strict about meaning."""

from __future__ import annotations

import pytest

from ballotbox.core.tokens.format import generate
from ballotbox.definition import definition_from_dict
from ballotbox.services.postal.errors import EntryError
from ballotbox.services.postal.matching import (
    Keyed,
    agree,
    differences,
    marks_for,
    read_entry,
)
from ballotbox.services.postal.sealing import entry_key, seal, unseal
from ballotbox.services.roles import Permission, allowed, parse_role

TOKEN = generate(lambda n: 123456789012345678 % n)


def definition(method: str = "scottish-stv", **extra: object):
    doc = {
        "slug": "t-2027",
        "title": "T",
        "method": method,
        "seats": 1 if method != "scottish-stv" else 2,
        "opens": "2027-01-10T09:00:00Z",
        "closes": "2027-01-31T17:00:00Z",
        "tie_seed": "s",
        **extra,
    }
    if method != "referendum":
        doc["candidates"] = [{"number": i, "name": f"C{i}"} for i in range(1, 5)]
    return definition_from_dict(doc)


STV = definition()


def test_entries_that_differ_only_in_token_spacing_agree() -> None:
    a = read_entry(STV, TOKEN.grouped, {1: "2", 3: "1"})
    b = read_entry(STV, TOKEN.digits, {1: " 2 ", 3: "1"})
    c = read_entry(STV, "-".join(TOKEN.grouped.split()), {1: "2", 3: "1", 2: ""})
    assert a == b == c and agree(a, b) and agree(a, c)
    assert a.token == TOKEN.digits and a.choices == (3, 1)


def test_one_wrong_digit_is_caught_by_the_checksum_before_any_comparison() -> None:
    wrong = TOKEN.digits[:5] + str((int(TOKEN.digits[5]) + 1) % 10) + TOKEN.digits[6:]
    with pytest.raises(EntryError) as caught:
        read_entry(STV, wrong, {1: "1"})
    assert caught.value.field == "token" and "spoilt" in caught.value.message


def test_a_different_ranking_disagrees_and_says_where() -> None:
    a = read_entry(STV, TOKEN.digits, {1: "1", 2: "2"})
    b = read_entry(STV, TOKEN.digits, {1: "2", 2: "1"})
    assert not agree(a, b) and differences(a, b) == ["choices"]
    s = read_entry(STV, "", {}, "no_token")
    assert differences(a, s) == ["spoilt", "token", "choices"]


def test_spoilt_entries_agree_only_on_the_same_reason() -> None:
    assert agree(
        read_entry(STV, "", {}, "unreadable"), read_entry(STV, "junk", {1: "9"}, "unreadable")
    )
    assert not agree(read_entry(STV, "", {}, "unreadable"), read_entry(STV, "", {}, "no_token"))
    with pytest.raises(EntryError):
        read_entry(STV, "", {}, "my own words")  # free text could carry a token: never allowed


@pytest.mark.parametrize(
    ("marks", "field"),
    [({1: "1", 2: "1"}, "marks"), ({1: "1", 2: "3"}, "marks"), ({1: "a"}, "marks"), ({}, "marks")],
)
def test_invalid_rankings_are_refused_with_the_field(marks: dict[int, str], field: str) -> None:
    with pytest.raises(EntryError) as caught:
        read_entry(STV, TOKEN.digits, marks)
    assert caught.value.field == field


def test_a_missing_token_must_be_keyed_as_spoilt() -> None:
    with pytest.raises(EntryError) as caught:
        read_entry(STV, "  ", {1: "1"})
    assert caught.value.field == "token"


def test_ticks_for_plurality_and_referendum() -> None:
    plurality = definition("plurality", max_choices=2)
    assert read_entry(plurality, TOKEN.digits, {1: "x", 3: "✓"}).choices == (1, 3)
    assert read_entry(plurality, TOKEN.digits, {3: "X", 1: "1"}) == read_entry(
        plurality, TOKEN.digits, {1: "x", 3: "x"}
    )
    with pytest.raises(EntryError):
        read_entry(plurality, TOKEN.digits, {1: "x", 2: "x", 3: "x"})  # more marks than allowed
    referendum = definition("referendum")
    assert read_entry(referendum, TOKEN.digits, {1: "X"}).choices == (1,)


def test_marks_round_trip_for_display() -> None:
    keyed = read_entry(STV, TOKEN.digits, {4: "1", 2: "2"})
    assert marks_for(STV, keyed) == {4: "1", 2: "2"}
    assert read_entry(STV, TOKEN.digits, marks_for(STV, keyed)) == keyed


def test_repr_never_shows_the_token() -> None:
    keyed = read_entry(STV, TOKEN.digits, {1: "1"})
    assert TOKEN.digits not in repr(keyed) and TOKEN.digits[:6] not in str(keyed)


def test_sealed_entries_open_only_with_their_key() -> None:
    keyed = Keyed(token=TOKEN.digits, choices=(2, 1))
    key = entry_key(b"k" * 32)
    box = seal(key, keyed, b"n" * 24)
    assert TOKEN.digits.encode() not in box and b"[2, 1]" not in box
    assert unseal(key, box) == keyed
    with pytest.raises(ValueError):
        unseal(entry_key(b"j" * 32), box)


def test_roles() -> None:
    assert parse_role("returning-officer").value == "officer"
    assert allowed("supervisor", Permission.ADJUDICATE) and allowed(
        "supervisor", Permission.OPEN_BATCH
    )
    assert not allowed("teller", Permission.OPEN_BATCH) and allowed("teller", Permission.KEY)
    assert allowed("scrutineer", Permission.READ) and not allowed("scrutineer", Permission.KEY)
    with pytest.raises(ValueError):
        parse_role("admin")
