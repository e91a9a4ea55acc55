"""Synthetic elections with realistic, long-tailed preference profiles, written as ``.blt``.

The voters fall into voting blocs: the loyalists of each party, voters of two
allied parties, floating voters with no party, and a few who number the
ballot paper top to bottom.  Within a bloc a voter's order is drawn from a
Plackett–Luce model (each next preference chosen with probability in
proportion to the candidate's weight for that bloc: own party far ahead,
allies next, the rest by personal appeal), then made noisy by occasional swaps
of neighbouring preferences.  How many preferences a voter marks is drawn from
a skewed distribution: many mark one or two, loyalists often stop after their
own party's candidates, and a long tail marks every candidate.  At a million
ballots this gives well over 100,000 distinct rankings, most of them rare,
as real STV elections do.

Everything follows from the seed (Python's ``random.Random``), so the same
command always writes the same file:

    .venv/bin/python benchmarks/synthetic.py --ballots 1000000 --out /tmp/synthetic-1m.blt
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CANDIDATES, SEATS = 20, 6
#: Parties: name, number of candidates, share of loyalist voters.
PARTIES = (
    ("Red", 5, 0.25),
    ("Blue", 4, 0.21),
    ("Green", 4, 0.13),
    ("Gold", 3, 0.09),
    ("Grey", 2, 0.05),
    ("Independent", 2, 0.02),
)
#: Alliances: pairs of parties whose voters often rank both; the bloc's share.
ALLIANCES = (((0, 2), 0.08), ((1, 3), 0.06), ((2, 4), 0.03))
FLOATING, DONKEY = 0.07, 0.01
FIRST = ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon")
LAST = ("Adams", "Brown", "Clark", "Davis", "Evans", "Fox", "Grant", "Hill", "Irvine", "Jones")


@dataclass(frozen=True)
class Bloc:
    """A group of voters with the same tastes: candidate weights and how deep they rank."""

    share: float
    weights: tuple[float, ...]
    #: Preferences most of the bloc marks before stopping (own party's size for loyalists).
    plump: int
    #: Median depth of the rest of the bloc (log-normal around it).
    depth: float


def candidates_of(rng: random.Random) -> tuple[list[int], list[str], list[float]]:
    """Each candidate's party, name and personal appeal."""
    party_of = [p for p, (_name, size, _share) in enumerate(PARTIES) for _ in range(size)]
    names = [
        f"{FIRST[c % 10]} {LAST[(c * 3 + c // 10) % 10]} ({PARTIES[party_of[c]][0]})"
        for c in range(CANDIDATES)
    ]
    appeal = [rng.lognormvariate(0.0, 0.6) for _ in range(CANDIDATES)]
    return party_of, names, appeal


def blocs(party_of: list[int], appeal: list[float]) -> list[Bloc]:
    """The voting blocs: party loyalists, alliances, floating voters."""
    out = []
    for p, (_name, size, share) in enumerate(PARTIES):
        weights = tuple(a * (40.0 if party_of[c] == p else 1.0) for c, a in enumerate(appeal))
        out.append(Bloc(share, weights, size, 2.5))
    for (p, q), share in ALLIANCES:
        weights = tuple(
            a * (30.0 if party_of[c] == p else 12.0 if party_of[c] == q else 1.0)
            for c, a in enumerate(appeal)
        )
        out.append(Bloc(share, weights, 0, 3.0))
    out.append(Bloc(FLOATING, tuple(appeal), 0, 3.5))
    return out


def profile(ballots: int, seed: int) -> Iterator[tuple[int, ...]]:
    """``ballots`` rankings (candidate ids, most preferred first), one per voter."""
    rng = random.Random(seed)
    party_of, _names, appeal = candidates_of(random.Random(seed))
    groups = blocs(party_of, appeal)
    shares = [b.share for b in groups] + [DONKEY]
    cumulative = [sum(shares[: i + 1]) for i in range(len(shares))]
    everyone = range(CANDIDATES)
    expo, rand, choose = rng.expovariate, rng.random, rng.choices
    for _ in range(ballots):
        which = choose(range(len(shares)), cum_weights=cumulative)[0]
        depth = _depth(rng, groups[which] if which < len(groups) else None)
        if which == len(groups):  # a donkey vote: down the ballot paper
            yield tuple(range(depth))
            continue
        weights = groups[which].weights
        # Plackett–Luce by exponential race: sorting by Exp(weight) times draws the order.
        order = sorted(everyone, key=lambda c: expo(weights[c]))[:depth]
        for i in range(len(order) - 1):  # noise: a neighbouring pair swapped now and then
            if rand() < 0.04:
                order[i], order[i + 1] = order[i + 1], order[i]
        yield tuple(order)


def _depth(rng: random.Random, bloc: Bloc | None) -> int:
    """How many preferences a voter marks: skewed, with a long tail to a full ranking."""
    roll = rng.random()
    if roll < 0.02:
        return CANDIDATES
    if bloc is not None and bloc.plump and roll < 0.30:
        return bloc.plump
    median = bloc.depth if bloc is not None else 6.0
    return max(1, min(CANDIDATES, int(rng.lognormvariate(math.log(median), 0.55))))


def write(path: Path, ballots: int, seed: int = 2017) -> None:
    """Write the election of ``ballots`` voters, one line per ballot as a raw export has it."""
    _party_of, names, _appeal = candidates_of(random.Random(seed))
    labels = [str(c + 1) for c in range(CANDIDATES)]
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{CANDIDATES} {SEATS}\n")
        chunk: list[str] = []
        for ranking in profile(ballots, seed):
            chunk.append("1 " + " ".join([labels[c] for c in ranking]) + " 0\n")
            if len(chunk) == 65536:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        out.write("0\n")
        out.writelines(f'"{name}"\n' for name in names)
        out.write(f'"Synthetic election, {ballots} ballots, seed {seed}"\n')


def main() -> None:
    """Command line: write one synthetic election to a .blt file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--out", type=Path, required=True, help="the .blt file to write")
    args = parser.parse_args()
    write(args.out, args.ballots, args.seed)


if __name__ == "__main__":
    main()
