"""Slate rules: group minimums and weighted electoral colleges."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ballotbox.core.counting import CountInput, CountOptions, count

MEN_AND_WOMEN = ["M1", "M2", "M3", "W1", "W2"]
WOMEN = frozenset({3, 4})


def slate(seats: int) -> CountInput:
    ranked = [((0,), (1,)), ((1,), (0,)), ((2,),), ((3,), (4,)), ((4,),)]
    weights = [40, 30, 25, 12, 8]
    return CountInput(
        MEN_AND_WOMEN, seats, list(zip(ranked, weights, strict=True)), groups={"women": WOMEN}
    )


@pytest.mark.parametrize("method", ["scottish-stv", "meek-stv"])
def test_without_a_minimum_men_take_every_seat(method: str) -> None:
    result = count(method, slate(2))
    assert not set(result.elected) & WOMEN


@pytest.mark.parametrize("method", ["scottish-stv", "meek-stv"])
def test_minimum_excludes_outsiders_when_seats_left_equal_places_to_fill(method: str) -> None:
    result = count(method, slate(2), CountOptions(group_minimums={"women": 1}))
    assert len(result.elected) == 2
    assert len(set(result.elected) & WOMEN) == 1
    forced = [r for r in result.rounds if r.note == "group minimum"]
    assert forced and all(r.action == "exclusion" for r in forced)
    assert all(r.subjects[0] not in WOMEN for r in forced)


@pytest.mark.parametrize("method", ["scottish-stv", "meek-stv"])
def test_minimum_equal_to_the_seats_elects_only_the_group(method: str) -> None:
    result = count(method, slate(2), CountOptions(group_minimums={"women": 2}))
    assert set(result.elected) == WOMEN


def test_minimum_for_an_unknown_group_is_an_error() -> None:
    from ballotbox.core.errors import InputError

    with pytest.raises(InputError):
        count("scottish-stv", slate(2), CountOptions(group_minimums={"men": 1}))


def colleges() -> tuple[CountInput, CountOptions]:
    # College "a" (1 ballot) and "b" (3 ballots) count half each.
    data = CountInput(
        ["X", "Y"],
        1,
        [(((0,),), 1), (((1,),), 1), (((1,),), 1), (((1,),), 1)],
        colleges=["a", "b", "b", "b"],
    )
    return data, CountOptions(college_weights={"a": Fraction(1, 2), "b": Fraction(1, 2)}, seed="c")


@pytest.mark.parametrize("method", ["scottish-stv", "meek-stv", "irv", "plurality"])
def test_college_shares_weight_ballots_exactly(method: str) -> None:
    data, options = colleges()
    result = count(method, data, options)
    assert result.rounds[0].votes[0] == result.rounds[0].votes[1] == 2


def test_three_colleges_of_a_third_each() -> None:
    ballots = [(((0,), (1,)), 5), (((1,),), 2), (((2,),), 1)]
    data = CountInput(["X", "Y", "Z"], 1, ballots, colleges=["m", "s", "t"])
    third = Fraction(1, 3)
    result = count(
        "scottish-stv", data, CountOptions(college_weights={"m": third, "s": third, "t": third})
    )
    first = result.rounds[0].votes
    assert first[0] == first[1] == first[2] == Fraction(8, 3)
    assert result.valid_poll == 8


def test_a_college_whose_ballots_weigh_nothing_does_not_stop_the_count() -> None:
    ballots = [(((0,),), 3), (((1,),), 0)]
    data = CountInput(["X", "Y"], 1, ballots, colleges=["m", "s"])
    options = CountOptions(college_weights={"m": Fraction(1, 2), "s": Fraction(1, 2)})
    assert count("scottish-stv", data, options).elected_names() == ["X"]
