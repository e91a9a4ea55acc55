"""Which choices make a valid ballot, and reading rank marks, for every method."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ballotbox.choices import ranking_from_marks, validate_choices
from ballotbox.core.errors import ChoiceError
from ballotbox.definition import ContestDefinition, ElectionDefinition, definition_from_dict


def definition(method: str, seats: int = 1, **extra: object) -> ElectionDefinition:
    doc: dict[str, object] = {
        "slug": "t-1",
        "title": "T",
        "method": method,
        "seats": seats,
        "opens": datetime(2027, 1, 1, tzinfo=UTC),
        "closes": datetime(2027, 2, 1, tzinfo=UTC),
        **extra,
    }
    if method != "referendum":
        doc["candidates"] = [{"number": n, "name": f"C{n}"} for n in (1, 2, 3, 7)]
    return definition_from_dict(doc)


def dfn0(method: str, seats: int = 1, **extra: object) -> ContestDefinition:
    """The only contest of a one-contest ballot."""
    return definition(method, seats, **extra).contests[0]


def test_ranked_ballots_keep_their_order_and_may_be_partial() -> None:
    d = definition("scottish-stv", seats=2)
    assert validate_choices(d.contests[0], [7, 1]) == [7, 1]
    assert validate_choices(d.contests[0], [3, 1, 2, 7]) == [3, 1, 2, 7]


@pytest.mark.parametrize(
    ("method", "choices", "message"),
    [
        ("irv", [], "at least one"),
        ("irv", [1, 1], "ranked candidate 1 twice"),
        ("irv", [9], "Candidate 9 does not exist"),
        ("approval", [1, 1], "chose candidate 1 twice"),
        ("plurality", [1, 2], "at most 1"),
        ("referendum", [1, 2], "only one answer"),
        ("referendum", [], "Choose one answer"),
        ("referendum", [4], "Candidate 4 does not exist"),
    ],
)
def test_invalid_ballots_say_what_is_wrong(method: str, choices: list[int], message: str) -> None:
    with pytest.raises(ChoiceError) as error:
        validate_choices(dfn0(method), choices)
    assert message in error.value.message


def test_plurality_allows_up_to_the_seats_or_max_choices() -> None:
    assert validate_choices(dfn0("plurality", seats=2), [7, 1]) == [1, 7]
    with pytest.raises(ChoiceError):
        validate_choices(dfn0("plurality", seats=2), [1, 2, 3])
    assert validate_choices(dfn0("plurality", seats=1, max_choices=3), [3, 1, 2]) == [1, 2, 3]


def test_approval_allows_any_number() -> None:
    assert validate_choices(dfn0("approval"), [7, 3, 2, 1]) == [1, 2, 3, 7]


def test_rank_marks_become_an_order() -> None:
    assert ranking_from_marks({1: 2, 2: None, 3: 1, 7: 3}) == [3, 1, 7]


@pytest.mark.parametrize(
    ("marks", "message"),
    [
        ({1: 1, 2: 1}, "Two candidates are marked 1"),
        ({1: 1, 2: 3}, "no choice number 2"),
        ({1: None, 2: None}, "Put 1 next to your first choice"),
        ({1: 0}, "start at 1"),
    ],
)
def test_bad_rank_marks_are_explained(marks: dict[int, int | None], message: str) -> None:
    with pytest.raises(ChoiceError) as error:
        ranking_from_marks(marks)
    assert message in error.value.message
