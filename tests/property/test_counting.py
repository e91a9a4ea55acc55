"""Invariants of the counts, checked on many generated elections (Hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ballotbox.core.counting import CountInput, CountOptions, count, read_blt, write_blt


@st.composite
def elections(draw: st.DrawFn, complete: bool = False, max_seats: int = 4) -> CountInput:
    n = draw(st.integers(2, 7))
    seats = draw(st.integers(1, min(max_seats, n)))
    ballot = st.permutations(range(n)).flatmap(
        lambda order: st.just(order) if complete else st.integers(1, n).map(lambda k: order[:k])
    )
    ballots = draw(st.lists(st.tuples(ballot, st.integers(1, 9)), min_size=1, max_size=25))
    return CountInput(
        [f"c{i}" for i in range(n)],
        seats,
        [(tuple((c,) for c in order), w) for order, w in ballots],
    )


@settings(max_examples=200, deadline=None)
@given(elections())
def test_scottish_conserves_votes_at_every_stage(data: CountInput) -> None:
    result = count("scottish-stv", data)
    for round_ in result.rounds:
        assert sum(round_.votes) + round_.exhausted + round_.loss == result.valid_poll
        assert round_.loss >= 0 and round_.exhausted >= 0


@settings(max_examples=150, deadline=None)
@given(elections())
def test_meek_conserves_votes_at_every_stage(data: CountInput) -> None:
    result = count("meek-stv", data)
    for round_ in result.rounds:
        assert sum(round_.votes) + round_.exhausted == result.valid_poll


@settings(max_examples=200, deadline=None)
@given(elections())
def test_number_elected_is_the_seats(data: CountInput) -> None:
    for method in ("scottish-stv", "meek-stv"):
        result = count(method, data)
        assert len(result.elected) == min(data.seats, len(data.candidates))
        assert len(set(result.elected)) == len(result.elected)


@settings(max_examples=150, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_does_not_change_the_result(data: CountInput, rng: random.Random) -> None:
    shuffled = list(data.ballots)
    rng.shuffle(shuffled)
    again = CountInput(data.candidates, data.seats, shuffled)
    for method in ("scottish-stv", "meek-stv", "irv" if data.seats == 1 else "plurality"):
        assert count(method, again).to_json() == count(method, data).to_json()


@settings(max_examples=200, deadline=None)
@given(elections(complete=True, max_seats=1), st.text(max_size=5))
def test_irv_equals_one_seat_scottish_stv_on_complete_rankings(data: CountInput, seed: str) -> None:
    # With every candidate ranked no ballot exhausts, so a majority of the votes in play
    # is the Droop quota, and both exclude the lowest with the same tie rules.
    options = CountOptions(seed=seed)
    assert count("irv", data, options).elected == count("scottish-stv", data, options).elected


@settings(max_examples=200, deadline=None)
@given(elections())
def test_more_than_a_quota_of_first_preferences_elects_at_stage_one(data: CountInput) -> None:
    result = count("scottish-stv", data)
    assert result.quota is not None
    for c, votes in enumerate(result.rounds[0].votes):
        if votes >= result.quota:
            assert c in result.rounds[0].elected or len(result.rounds[0].elected) == data.seats


@settings(max_examples=100, deadline=None)
@given(elections())
def test_blt_round_trip_keeps_the_count(data: CountInput) -> None:
    again = read_blt(write_blt(data))
    assert count("scottish-stv", again).to_json() == count("scottish-stv", data).to_json()


@st.composite
def raw_exports(draw: st.DrawFn) -> tuple[CountInput, str]:
    """An election with equal rankings and withdrawn candidates, and the same ballots written
    as a raw export would: one line per ballot, shuffled, spaced and ended in various ways."""
    n = draw(st.integers(2, 6))
    seats = draw(st.integers(1, n))
    withdrawn = draw(st.frozensets(st.integers(0, n - 1), max_size=n - 1))
    level = st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True).map(tuple)
    ranking = st.lists(level, max_size=n).map(tuple)
    ballots = draw(st.lists(st.tuples(ranking, st.integers(1, 3)), min_size=1, max_size=20))
    lines = []
    for levels, weight in ballots:
        prefs = " ".join("=".join(str(c + 1) for c in lvl) for lvl in levels)
        for _ in range(weight):
            space = draw(st.sampled_from([" ", "  ", "\t"]))
            tail = draw(st.sampled_from([" 0", " 0", "", " 0 # note"]))
            lines.append(f"1{space}{prefs}{tail}" if prefs else f"1{tail or ' 0'}")
    lines = draw(st.permutations(lines))
    head = f"{n} {seats}\n" + (" ".join(f"-{c + 1}" for c in sorted(withdrawn)) + "\n")
    names = "".join(f'"c{i}"\n' for i in range(n))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = (head + "\n".join(lines) + "\n0\n" + names).replace("\n", ending)
    data = CountInput([f"c{i}" for i in range(n)], seats, ballots, withdrawn)
    return data, text


@settings(max_examples=150, deadline=None)
@given(raw_exports())
def test_a_raw_export_counts_as_its_grouped_ballots(case: tuple[CountInput, str]) -> None:
    data, text = case
    read = read_blt(text)
    assert read.withdrawn == data.withdrawn
    for method in ("scottish-stv", "meek-stv", "approval"):
        assert count(method, read).to_json() == count(method, data).to_json()
