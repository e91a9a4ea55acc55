"""Agreement with independent implementations from PyPI (pyrankvote, pref-voting)."""

from __future__ import annotations

import random

import pyrankvote
import pytest
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.voting_methods import instant_runoff_for_truncated_linear_orders, plurality

from ballotbox.core.counting import CountInput, count


def election(seed: int, n: int = 5, voters: int = 401) -> CountInput:
    rng = random.Random(seed)
    appeal = [rng.random() + 0.2 for _ in range(n)]
    ballots = []
    for _ in range(voters):
        order = sorted(range(n), key=lambda c: -appeal[c] * rng.random())
        ballots.append((tuple((c,) for c in order[: rng.randint(1, n)]), 1))
    return CountInput([f"c{i}" for i in range(n)], 1, ballots)


def profile(data: CountInput) -> ProfileWithTies:
    rankings = [{level[0]: rank for rank, level in enumerate(r, start=1)} for r, _ in data.ballots]
    return ProfileWithTies(
        rankings, [w for _, w in data.ballots], candidates=list(range(len(data.candidates)))
    )


@pytest.mark.parametrize("seed", range(30))
def test_irv_agrees_with_pref_voting(seed: int) -> None:
    data = election(seed)
    ours = count("irv", data)
    theirs = instant_runoff_for_truncated_linear_orders(profile(data))
    if len(theirs) > 1 or any(r.tie_breaks for r in ours.rounds):
        pytest.skip("a tie: the two implementations break ties by different rules")
    assert list(ours.elected) == theirs


@pytest.mark.parametrize("seed", range(30))
def test_irv_agrees_with_pyrankvote(seed: int) -> None:
    data = election(seed)
    ours = count("irv", data)
    people = [pyrankvote.Candidate(name) for name in data.candidates]
    ballots = [
        pyrankvote.Ballot([people[level[0]] for level in r])
        for r, w in data.ballots
        for _ in range(int(w))
    ]
    theirs = pyrankvote.instant_runoff_voting(people, ballots).get_winners()
    if any(r.tie_breaks for r in ours.rounds):
        pytest.skip("a tie: pyrankvote breaks ties by second choices, we by earlier rounds")
    assert [data.candidates[c] for c in ours.elected] == [p.name for p in theirs]


@pytest.mark.parametrize("seed", range(20))
def test_plurality_agrees_with_pref_voting(seed: int) -> None:
    data = election(seed)
    firsts = CountInput(data.candidates, 1, [((r[0],), w) for r, w in data.ballots])
    ours = count("plurality", firsts)
    theirs = plurality(profile(data))
    if len(theirs) > 1:
        assert ours.elected[0] in theirs and ours.rounds[0].tie_breaks
    else:
        assert list(ours.elected) == theirs
