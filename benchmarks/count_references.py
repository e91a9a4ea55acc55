"""Independent STV counters from PyPI, run on the same .blt file, as references.

Each reference is one whole process, as a user of that library would run it:
read the file, build the library's ballots, count, print the winners.  None
of them reads ``.blt``, so a small reader here gives them the ballots, already
grouped (identical lines counted once), which is the fastest way to feed
those that take weights; pyrankvote takes no weights, so it gets one ballot
object per ballot.  Install them with ``.venv/bin/pip install -e '.[bench]'``
or by name (pystv, votekit, pyrankvote).

    .venv/bin/python benchmarks/count_references.py votekit FILE.blt
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def read(path: Path) -> tuple[int, list[str], list[tuple[tuple[int, ...], int]]]:
    """Seats, candidate names and (ranking of 0-based ids, weight) of a plain .blt file."""
    lines = path.read_bytes().splitlines()
    n, seats = (int(t) for t in lines[0].split())
    end = lines.index(b"0", 1)
    names = [line.decode().strip().strip('"') for line in lines[end + 1 : end + 1 + n]]
    ballots = []
    for line, times in Counter(lines[1:end]).items():
        tokens = [int(t) for t in line.split()]
        ballots.append((tuple(c - 1 for c in tokens[1:-1]), tokens[0] * times))
    return seats, names, ballots


def pyrankvote_count(path: Path) -> list[str]:
    """pyrankvote's single_transferable_vote (no weights: one Ballot per ballot)."""
    import pyrankvote

    seats, names, ballots = read(path)
    people = [pyrankvote.Candidate(name) for name in names]
    expanded = []
    for ranking, weight in ballots:
        ballot = pyrankvote.Ballot([people[c] for c in ranking])
        expanded.extend([ballot] * weight)
    result = pyrankvote.single_transferable_vote(people, expanded, number_of_seats=seats)
    return [c.name for c in result.get_winners()]


def pystv_count(path: Path) -> list[str]:
    """pystv (module ``pyrcv``): numpy STV over distinct rankings with vote counts."""
    import pyrcv  # type: ignore[import-untyped]
    from pyrcv.types import RaceData, RaceMetadata  # type: ignore[import-untyped]

    seats, names, ballots = read(path)
    race = RaceData(
        RaceMetadata("bench", seats, names),
        [[c + 1 for c in ranking] or [0] for ranking, _w in ballots],
        [w for _r, w in ballots],
    )
    result = pyrcv.run_rcv(race)
    return [names[e - 1] for r in result.rounds for e in r.elected]


def votekit_count(path: Path) -> list[str]:
    """votekit's FastSTV (numpy, fractional transfers) on a RankProfile of distinct rankings."""
    from votekit.ballot import RankBallot
    from votekit.elections import FastSTV
    from votekit.pref_profile import RankProfile

    seats, names, ballots = read(path)
    profile = RankProfile(
        ballots=tuple(
            RankBallot(ranking=tuple(frozenset({names[c]}) for c in ranking), weight=w)
            for ranking, w in ballots
            if ranking
        ),
        candidates=tuple(names),
    )
    election = FastSTV(profile, n_seats=seats)
    return [str(name) for group in election.get_elected() for name in group]


COUNTERS = {"pyrankvote": pyrankvote_count, "pystv": pystv_count, "votekit": votekit_count}


def main() -> None:
    """Command line: count FILE with the named reference and print the elected."""
    name, path = sys.argv[1], Path(sys.argv[2])
    print("; ".join(COUNTERS[name](path)))


if __name__ == "__main__":
    main()
