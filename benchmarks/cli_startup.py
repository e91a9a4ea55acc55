"""Whole-process wall time of ``ballotbox`` commands, as an officer feels it.

Each command runs ``--runs`` times as a fresh process under ``/usr/bin/time``;
the median of its elapsed (wall) seconds is printed, with the median CPU
seconds (user + system: steadier than wall time on a busy shared machine) and
the output's SHA-256 (so a before/after comparison also shows that the output
did not change).

    .venv/bin/python benchmarks/cli_startup.py            # median of 5
    .venv/bin/python benchmarks/cli_startup.py --runs 9

The count reads the first Edinburgh 2017 ward from $BALLOTBOX_TESTDATA (else
../shared/testdata). Runs the ``ballotbox`` console script beside this Python (``.venv/bin``); with
PYTHONPATH set, the package from that folder is what is timed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTDATA = Path(os.environ.get("BALLOTBOX_TESTDATA", REPO.parent / "shared" / "testdata"))
WARD = TESTDATA / "scotland-2017"
BALLOTBOX = str(Path(sys.executable).with_name("ballotbox"))


def commands() -> list[list[str]]:
    """The commands timed: two references, the help screens and counting one real ward."""
    found = sorted(WARD.glob("*.blt")) if WARD.is_dir() else []
    cmds = [
        [sys.executable, "-c", "pass"],  # reference: the interpreter alone
        [sys.executable, "-c", "import typer"],  # reference: the CLI library alone
        [BALLOTBOX, "--help"],
        [BALLOTBOX, "count", "--help"],
    ]
    if found:
        cmds.append([BALLOTBOX, "count", str(found[0])])
    return cmds


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (from /usr/bin/time) and the SHA-256 of standard output."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S", "-o", report.name, *cmd],
            capture_output=True,
            check=True,
            env=os.environ,
        )
        wall, user, system = map(float, report.read().strip().splitlines()[-1].split())
    return wall, user + system, hashlib.sha256(done.stdout).hexdigest()[:12]


def main() -> None:
    """Time each command and print one Markdown table row per command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print("| command | wall s (median) | wall s, each run | CPU s (median) | stdout sha256 |")
    print("|---|---:|---|---:|---|")
    for cmd in commands():
        subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
        runs = [timed(cmd) for _ in range(args.runs)]
        walls = [wall for wall, _, _ in runs]
        cpu = statistics.median(c for _, c, _ in runs)
        digests = {d for _, _, d in runs}
        shown = " ".join(Path(c).name if c.startswith("/") else c for c in cmd)
        print(
            f"| `{shown}` | {statistics.median(walls):.2f} | "
            f"{' '.join(f'{t:.2f}' for t in walls)} | {cpu:.2f} | {', '.join(sorted(digests))} |"
        )


if __name__ == "__main__":
    main()
