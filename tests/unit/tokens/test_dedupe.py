"""Duplicate finder across registers: who is grouped, and the reason for each link."""

from __future__ import annotations

from ballotbox.core.members.dedupe import find_duplicates, normalise_name, normalise_postcode
from ballotbox.core.members.registers import Member


def test_name_normalisation_ignores_case_accents_titles_punctuation_and_order() -> None:
    assert normalise_name("Dr. José  O'Brien") == normalise_name("jose o brien")
    assert normalise_name("O'BRIEN, José") == normalise_name("Mr Jose O Brien")
    assert normalise_name("Ms Ann Jones") != normalise_name("Ann Jonas")


def test_postcode_normalisation() -> None:
    assert normalise_postcode(" m1  1aa ") == "M11AA"


def test_groups_with_a_reason_for_every_link() -> None:
    members = [
        Member("north", "1", "Dr José O'Brien", "jose@example.org", "M1 1AA"),
        Member("south", "77", "jose obrien", "", "m11aa"),  # different: "obrien" is one word
        Member("south", "78", "Mr Jose O Brien", "", "m11aa"),
        Member("east", "5", "JOSE O'BRIEN", "Jose@Example.org", ""),
        Member("west", "1", "Someone Else", "", "LS1 1AA"),
        Member("west", "9", "Ann Jones", "ann@example.org", "LS1 1AA"),
        Member("north", "10", "Ann Jones", "other@example.org", "YO1 7HH"),
    ]
    groups = find_duplicates(members)
    assert len(groups) == 1
    group = groups[0]
    assert {(m.org, m.number) for m in group.members} == {
        ("north", "1"),
        ("south", "78"),
        ("east", "5"),
        ("west", "1"),
    }
    reasons = {
        (group.members[m.first].org, group.members[m.second].org, m.reason) for m in group.matches
    }
    assert reasons == {
        ("north", "west", "same membership number 1"),
        ("north", "south", "same name and postcode M11AA"),
        ("north", "east", "same name and email jose@example.org"),
    }


def test_no_groups_when_nothing_matches() -> None:
    members = [Member("a", "1", "Ann", "", "M1 1AA"), Member("b", "2", "Ann", "", "M2 1AA")]
    assert find_duplicates(members) == []
