"""Benchmark: ``ballotbox count FILE.blt --json`` as a user runs it, beside other STV counters.

Every measurement is a whole process under ``/usr/bin/time -v`` (wall-clock
time and peak resident memory), on a synthetic election from
``benchmarks/synthetic.py`` (20 candidates, 6 seats, long-tailed preferences;
a million ballots have about 146,000 distinct rankings).  The commands are
run in turn, round after round, so that whatever else this shared machine is
doing falls on all of them alike; each figure is the median of the rounds.
Beside ``ballotbox count`` (Scottish STV and Meek STV) it runs, in the same
rounds:

- the floor: ``python -c "import ballotbox.core.counting"`` (the interpreter
  and the engine's imports, which every count pays);
- the fastest independent STV counters that install from PyPI (pystv,
  votekit, pyrankvote: see ``count_references.py``), counting the same file.

It checks that every counter elects the same candidates.

    .venv/bin/pip install pystv votekit pyrankvote    # or: pip install -e '.[bench]'
    .venv/bin/python benchmarks/count.py                        # 1M ballots, 5 rounds
    .venv/bin/python benchmarks/count.py --ballots 100000 --runs 7 --references pystv
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402  (benchmarks/ is not a package)

PYTHON = sys.executable
BALLOTBOX = str(Path(sys.executable).with_name("ballotbox"))
REFERENCES = ("pystv", "votekit", "pyrankvote")
#: ``ballotbox count`` with only the count command's own module loaded (Typer, then the engine
#: when the command runs): what the command costs once the CLI loads command modules lazily.
ALONE = """
import importlib.util, sys, typer
spec = importlib.util.spec_from_file_location("count_cli", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
app = typer.Typer(add_completion=False)
app.callback()(lambda: None)
module.register(app)
app(args=sys.argv[2:], prog_name="ballotbox")
"""


def commands(path: Path, references: list[str]) -> dict[str, list[str]]:
    """The processes to time, by the name they have in the table."""
    out = {
        "ballotbox count --json (scottish-stv)": [BALLOTBOX, "count", str(path), "--json"],
        "ballotbox count --json --method meek-stv": [
            BALLOTBOX,
            "count",
            str(path),
            "--json",
            "--method",
            "meek-stv",
        ],
        "count command module alone (lazy CLI), scottish-stv": [
            PYTHON,
            "-c",
            ALONE,
            str(ROOT / "ballotbox/cli/count.py"),
            "count",
            str(path),
            "--json",
        ],
        "floor: python -c 'import ballotbox.core.counting'": [
            PYTHON,
            "-c",
            "import ballotbox.core.counting",
        ],
    }
    for name in references:
        out[f"reference: {name}"] = [PYTHON, str(ROOT / "benchmarks/count_references.py"), name]
        out[f"reference: {name}"].append(str(path))
    return out


def timed(command: list[str]) -> tuple[float, float, str]:
    """Run ``command`` under /usr/bin/time -v: wall seconds, peak MB, and its output."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr
    )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and peak, done.stderr
    seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    return seconds, int(peak[1]) / 1024, done.stdout


def elected(output: str) -> frozenset[str] | None:
    """The elected names a counter printed (JSON from ballotbox, "a; b" from the references)."""
    output = output.strip()
    if not output:
        return None
    if output.startswith("{"):
        return frozenset(json.loads(output)["elected"])
    return frozenset(output.split("; "))


def machine() -> str:
    """One line about this machine, for the record."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = len(
        [x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("processor")]
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (
        f"{cores} cores ({cpu}), Python {platform.python_version()}, "
        f"load average {' '.join(load)} at the start"
    )


def main() -> None:
    """Generate the election (cached), time every command, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--references", nargs="*", default=list(REFERENCES))
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "ballotbox-bench"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"synthetic-{args.ballots}-{args.seed}.blt"
    if not path.exists():
        print(f"writing {path} ...", file=sys.stderr)
        synthetic.write(path, args.ballots, args.seed)
    distinct = len(set(path.read_bytes().split(b"\n0\n", 1)[0].splitlines()[1:]))
    print(f"Machine: {machine()}")
    print(f"File: {path.name}, {args.ballots:,} ballots, {distinct:,} distinct rankings\n")
    todo = commands(path, args.references)
    walls: dict[str, list[float]] = {name: [] for name in todo}
    peaks: dict[str, list[float]] = {name: [] for name in todo}
    winners: dict[str, frozenset[str] | None] = {}
    for run in range(args.runs):
        for name, command in todo.items():
            wall, peak, output = timed(command)
            walls[name].append(wall)
            peaks[name].append(peak)
            winners[name] = elected(output)
            print(f"round {run + 1}: {name}: {wall:.2f} s, {peak:.0f} MB", file=sys.stderr)
    ours = statistics.median(walls["ballotbox count --json (scottish-stv)"])
    same = winners["ballotbox count --json (scottish-stv)"]
    print(
        f"| command | wall s (median of {args.runs}) | min–max s | peak MB (median) "
        "| × ballotbox count | same elected |"
    )
    print("|---|---|---|---|---|---|")
    for name in todo:
        median = statistics.median(walls[name])
        agrees = "—" if winners[name] is None else ("yes" if winners[name] == same else "NO")
        print(
            f"| {name} | {median:.2f} | {min(walls[name]):.2f}–{max(walls[name]):.2f} "
            f"| {statistics.median(peaks[name]):.0f} | {median / ours:.1f} | {agrees} |"
        )


if __name__ == "__main__":
    main()
