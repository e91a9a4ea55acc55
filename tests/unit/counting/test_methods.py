"""Each method on small elections whose outcome can be worked out by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ballotbox.core.counting import CountInput, CountOptions, count
from ballotbox.core.errors import InputError


def ballots(*spec: tuple[str, int]) -> list[tuple[tuple[tuple[int, ...], ...], int]]:
    """("ABC", 5) → ranking A > B > C, five ballots (letters are candidate ids)."""
    return [(tuple((ord(ch) - 65,) for ch in order), n) for order, n in spec]


def test_scottish_surplus_transfer_values_truncate_to_five_places() -> None:
    # quota = 10 // 2 + 1 = 6; A has 7, surplus 1, transfer value 1 × 1 / 7 = 0.14285 (truncated)
    data = CountInput(["A", "B", "C"], 1, ballots(("AB", 7), ("C", 3)))
    result = count("scottish-stv", data)
    assert result.quota == 6
    assert result.elected_names() == ["A"]
    data = CountInput(["A", "B", "C"], 2, ballots(("AB", 7), ("C", 2), ("B", 2)))
    result = count("scottish-stv", data)
    assert result.quota == 4
    second = result.rounds[1]
    assert second.action == "surplus" and second.subjects == (0,)
    assert second.votes[1] == 2 + 7 * Fraction(42857, 100000)  # 3 × 1 ÷ 7 = 0.42857
    assert second.loss == 3 - 7 * Fraction(42857, 100000)


def test_scottish_exclusion_ties_look_at_earlier_stages() -> None:
    # After D is excluded, B and C tie on 3; at stage 1 B had fewer, so B is excluded next.
    data = CountInput(["A", "B", "C", "D"], 1, ballots(("A", 5), ("B", 2), ("C", 3), ("DB", 1)))
    result = count("scottish-stv", data)
    exclusion = [r for r in result.rounds if r.action == "exclusion"][1]
    assert exclusion.subjects == (1,)
    assert exclusion.tie_breaks[0].rule == "earlier-stages"


def test_scottish_tie_at_every_stage_is_broken_by_the_seed_and_recorded() -> None:
    data = CountInput(["A", "B", "C"], 1, ballots(("A", 4), ("B", 2), ("C", 2)))
    first = count("scottish-stv", data, CountOptions(seed="s1"))
    again = count("scottish-stv", data, CountOptions(seed="s1"))
    assert first == again
    tie = first.rounds[1].tie_breaks[0]
    assert tie.rule == "lot" and set(tie.tied) == {1, 2}
    assert first.seed == "s1"
    losers = {
        count("scottish-stv", data, CountOptions(seed=f"s{i}")).rounds[1].subjects[0]
        for i in range(20)
    }
    assert losers == {1, 2}  # the seed decides, and both outcomes occur


def test_scottish_fills_last_vacancies_without_further_transfers() -> None:
    data = CountInput(["A", "B", "C", "D"], 2, ballots(("AB", 4), ("C", 3), ("B", 2), ("D", 1)))
    result = count("scottish-stv", data)
    assert result.elected_names() == ["A", "C"]
    assert result.rounds[-1].votes[2] == 3  # below the quota of 4, elected all the same
    assert "last vacancies" in result.rounds[-1].note


def test_withdrawn_candidates_are_skipped() -> None:
    data = CountInput(["A", "B", "C"], 1, ballots(("BA", 5), ("C", 4)), withdrawn=frozenset({1}))
    for method in ("scottish-stv", "meek-stv", "irv"):
        result = count(method, data)
        assert result.elected_names() == ["A"]
        assert result.rounds[0].votes[1] == 0


def test_irv_reports_final_two_and_exhausted() -> None:
    data = CountInput(["A", "B", "C"], 1, ballots(("A", 4), ("B", 3), ("CB", 1), ("C", 1)))
    result = count("irv", data)
    # C out (one ballot exhausts); A and B tie on 4, B had fewer first preferences, so B out.
    assert result.elected_names() == ["A"]
    assert result.details["final_two"] == "A; B"
    assert result.rounds[1].exhausted == 1
    assert result.rounds[2].exhausted == 5
    assert result.rounds[2].tie_breaks[0].rule == "earlier-stages"


def test_irv_majority_of_continuing_votes() -> None:
    data = CountInput(["A", "B", "C"], 1, ballots(("A", 5), ("B", 4), ("CB", 2)))
    result = count("irv", data)
    assert result.elected_names() == ["B"]
    assert [r.action for r in result.rounds] == ["first-preferences", "exclusion"]


def test_block_vote_limits_selections_and_elects_the_top() -> None:
    data = CountInput(
        ["A", "B", "C", "D"], 2, [(((0,), (1,)), 3), (((0,),), 1), (((2,),), 4), (((0, 1, 2),), 10)]
    )
    result = count("plurality", data)
    assert result.details["invalid"] == "10"  # three selections for two seats
    assert sorted(result.elected_names()) == ["A", "C"]


def test_approval_counts_every_selection() -> None:
    data = CountInput(["A", "B", "C"], 1, [(((0, 1),), 3), (((1, 2),), 2), (((2,),), 1)])
    result = count("approval", data)
    assert result.rounds[0].votes == (3, 5, 3)
    assert result.elected_names() == ["B"]


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "threshold", "abstentions_count", "outcome"),
    [
        (51, 49, 10, Fraction(1, 2), False, "carried"),
        (50, 50, 0, Fraction(1, 2), False, "not carried"),
        (66, 34, 0, Fraction(2, 3), False, "not carried"),
        (67, 33, 0, Fraction(2, 3), False, "carried"),
        (51, 49, 10, Fraction(1, 2), True, "not carried"),
    ],
)
def test_referendum_threshold(
    yes: int, no: int, abstain: int, threshold: Fraction, abstentions_count: bool, outcome: str
) -> None:
    data = CountInput(
        ["Yes", "No", "Abstain"], 1, [(((0,),), yes), (((1,),), no), (((2,),), abstain)]
    )
    result = count(
        "referendum",
        data,
        CountOptions(referendum_threshold=threshold, abstentions_count=abstentions_count),
    )
    assert result.outcome == outcome
    assert result.details["abstentions"] == str(abstain)


def test_meek_elects_the_seats_and_conserves_votes() -> None:
    data = CountInput(
        ["A", "B", "C", "D"], 2, ballots(("ACB", 40), ("BC", 25), ("CB", 20), ("DC", 15))
    )
    result = count("meek-stv", data)
    assert len(result.elected) == 2
    assert result.elected[0] == 0
    for r in result.rounds:
        assert sum(r.votes) + r.exhausted == 100  # fixed point with no loss
    assert result.details["precision"] == "9"


def test_meek_differs_from_scottish_where_it_should_not_matter_who_was_first() -> None:
    # Meek passes surplus value on through already elected candidates; both elect A and B here.
    data = CountInput(["A", "B", "C"], 2, ballots(("AB", 60), ("BA", 30), ("C", 25)))
    assert sorted(count("meek-stv", data).elected) == sorted(count("scottish-stv", data).elected)


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("nonsense", CountInput(["A"], 1, [])),
        ("irv", CountInput(["A", "B"], 2, [])),
        ("referendum", CountInput(["Yes", "No"], 1, [])),
        ("scottish-stv", CountInput(["A"], 0, [])),
    ],
)
def test_invalid_requests_are_input_errors(method: str, data: CountInput) -> None:
    with pytest.raises(InputError):
        count(method, data)
