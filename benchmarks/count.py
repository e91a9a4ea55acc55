"""Benchmark: parse a .blt file and count it by Scottish STV and Meek STV.

Synthetic elections with 20 candidates in 5 parties and 6 seats: each voter
picks a party by popularity, ranks some of its candidates, then may go on to
candidates of other parties; ballots are 1 to 20 preferences long (mean about
3.5), one line per ballot, as a raw export would be.  Each measurement runs in
a fresh process (so peak memory is that run's own) and is repeated; medians are
reported, with a reference measured in the same process: reading the file and
splitting it into lines, the least any counter must do.

    .venv/bin/python benchmarks/count.py                 # 100k and 1M, 5 runs each
    .venv/bin/python benchmarks/count.py --sizes 1000000 --runs 7
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES, SEATS, PARTIES = 20, 6, 5


def generate(path: Path, ballots: int, seed: int = 2017) -> None:
    """Write a synthetic election of ``ballots`` one-per-line ballots to ``path``."""
    rng = random.Random(seed)
    party_of = [c % PARTIES for c in range(CANDIDATES)]
    party_weight = [rng.uniform(0.5, 3.0) for _ in range(PARTIES)]
    appeal = [rng.uniform(0.2, 2.0) for _ in range(CANDIDATES)]
    members = [[c for c in range(CANDIDATES) if party_of[c] == p] for p in range(PARTIES)]
    lines = [f"{CANDIDATES} {SEATS}"]
    for _ in range(ballots):
        party = rng.choices(range(PARTIES), party_weight)[0]
        own = sorted(members[party], key=lambda c: -appeal[c] * rng.random())
        rest = sorted(
            (c for c in range(CANDIDATES) if party_of[c] != party),
            key=lambda c: -(appeal[c] * party_weight[party_of[c]]) * rng.random(),
        )
        order = own + rest
        length = 1
        while length < CANDIDATES and rng.random() < (0.72 if length < len(own) else 0.45):
            length += 1
        lines.append("1 " + " ".join(str(c + 1) for c in order[:length]) + " 0")
    lines.append("0")
    lines.extend(f'"Candidate {c + 1} (P{party_of[c] + 1})"' for c in range(CANDIDATES))
    lines.append(f'"Synthetic election, {ballots} ballots"')
    path.write_text("\n".join(lines) + "\n")


def child(method: str, path: Path) -> None:
    """One measurement in this fresh process; prints JSON with timings and peak memory."""
    sys.path.insert(0, str(ROOT))
    from ballotbox.core.counting import count, read_blt

    start = time.perf_counter()
    text = path.read_text()
    lines = text.splitlines()
    reference = time.perf_counter() - start
    del lines, text
    start = time.perf_counter()
    data = read_blt(path.read_text(), source=path.name)
    parsed = time.perf_counter()
    result = count(method, data)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "reference": reference,
                "parse": parsed - start,
                "count": done - parsed,
                "total": done - start,
                "peak_mb": peak_mb,
                "groups": len(data.ballots),
                "elected": result.elected_names(),
                "rounds": len(result.rounds),
            }
        )
    )


def main() -> None:
    """Generate the elections (cached) and time every method, printing a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=["scottish-stv", "meek-stv"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "ballotbox-bench"
    )
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    print(
        "| ballots | method | distinct rankings | rounds | reference (read + split) s "
        "| parse s | count s | parse + count s (median) | ratio to reference "
        "| peak MB (max) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        path = args.cache / f"synthetic-{size}.blt"
        if not path.exists():
            generate(path, size)
        for method in args.methods:
            runs = []
            for _ in range(args.runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", method, str(path)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                runs.append(json.loads(out))

            def med(key: str, runs: list[dict[str, float]] = runs) -> float:
                return statistics.median(r[key] for r in runs)

            ratio = statistics.median(r["total"] / r["reference"] for r in runs)
            print(
                f"| {size:,} | {method} | {runs[0]['groups']:,} | {runs[0]['rounds']} "
                f"| {med('reference'):.3f} | {med('parse'):.3f} | {med('count'):.3f} "
                f"| {med('total'):.3f} | {ratio:.1f}× | {max(r['peak_mb'] for r in runs):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
