"""Meek's incremental grouping of ballots equals grouping them afresh, whatever happens."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ballotbox.core.counting import CountInput, CountOptions
from ballotbox.core.counting.meek_ballots import ELECTED, EXCLUDED, HOPEFUL, MeekBallots
from ballotbox.core.counting.prepare import Prepared, prepare, resolve_equal
from ballotbox.core.counting.profile import END


def afresh(prep: Prepared, status: list[int]) -> dict[tuple[int, ...], int]:
    """Each ranking up to its first hopeful candidate, excluded ones left out (the rule)."""
    n, alive = prep.n, [s != EXCLUDED for s in status]
    groups: dict[tuple[int, ...], int] = {}
    for start, weight in zip(prep.starts, prep.weights, strict=True):
        seq: list[int] = []
        at = start
        while prep.prefs[at] != END:
            x = prep.prefs[at]
            at += 1
            if x >= n:
                x = resolve_equal(prep.equal[x - n], alive)
                if x == -2:
                    break
                if x == -1:
                    continue
            if status[x] == EXCLUDED or x in seq:
                continue
            seq.append(x)
            if status[x] == HOPEFUL:
                break
        groups[tuple(seq)] = groups.get(tuple(seq), 0) + int(weight)
    return groups


@st.composite
def elections(draw: st.DrawFn) -> CountInput:
    n = draw(st.integers(2, 7))
    level = st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True).map(tuple)
    ranking = st.lists(level, max_size=n + 1).map(tuple)
    ballots = draw(st.lists(st.tuples(ranking, st.integers(1, 9)), min_size=1, max_size=30))
    withdrawn = draw(st.frozensets(st.integers(0, n - 1), max_size=1))
    return CountInput([f"c{i}" for i in range(n)], 1, ballots, withdrawn)


@settings(max_examples=300, deadline=None)
@given(elections(), st.data())
def test_regrouping_after_each_change_equals_grouping_afresh(
    data: CountInput, draws: st.DataObject
) -> None:
    prep = prepare(data, CountOptions())
    status = [EXCLUDED if c in data.withdrawn else HOPEFUL for c in range(prep.n)]
    ballots = MeekBallots(prep, status)
    assert ballots.weights == afresh(prep, status)
    while HOPEFUL in status:
        hopeful = [c for c in range(prep.n) if status[c] == HOPEFUL]
        changed = draws.draw(st.lists(st.sampled_from(hopeful), min_size=1, unique=True))
        excluding = draws.draw(st.booleans())
        for c in changed[:1] if excluding else changed:  # one exclusion, or several elected
            status[c] = EXCLUDED if excluding else ELECTED
        ballots.moved_on(changed[:1] if excluding else changed)
        assert ballots.weights == afresh(prep, status)
