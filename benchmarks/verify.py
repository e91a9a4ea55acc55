"""Benchmark: ``ballotbox-verify BUNDLE`` as a scrutineer runs it, on synthetic published bundles.

``make`` plays a whole election without a server, through the package's own
commitment, chain, checkpoint and bundle code, and writes the published bundle
directory (and nothing else):

- a ballot of two contests: an STV slate (20 candidates, 6 seats, the
  long-tailed preference profile of ``benchmarks/synthetic.py``) and a
  referendum (Yes / No / Abstain), each left blank by a few voters;
- tokens issued with some voided before opening and a quarter never used;
- ballots by web, SMS, phone and post in a shuffled casting order, a signed
  checkpoint every 10,000 ballots and at the close, letters keyed after the
  close (``late``), an officer's override, the count and the publication.

Everything follows from ``--seed``, so the same command writes the same bundle.
``run`` times ``ballotbox-verify DIR`` as a whole process under ``/usr/bin/time
-v`` (wall time, peak resident memory), the sizes in turn round after round,
and prints the median of the rounds as a Markdown table.

    .venv/bin/python benchmarks/verify.py make --ballots 1000000 --out /tmp/bundle-1m
    .venv/bin/python benchmarks/verify.py run                     # 100k and 1M, 5 rounds
    .venv/bin/python benchmarks/verify.py run --sizes 100000 300000 --runs 7
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402  (benchmarks/ is not a package)
from count import machine, timed  # noqa: E402

from ballotbox.core.audit import crypto  # noqa: E402
from ballotbox.core.audit.bundle import (  # noqa: E402
    BallotRow,
    BundleData,
    LogEntry,
    build_files,
    write_directory,
)
from ballotbox.core.audit.chain import (  # noqa: E402
    GENESIS,
    ballot_commitment,
    ballot_hash,
    ballot_payload,
    document_hash,
    event_payload,
    link,
)
from ballotbox.core.audit.commitment import make_commitment  # noqa: E402
from ballotbox.core.audit.receipts import make_checkpoint  # noqa: E402
from ballotbox.core.contests import recount  # noqa: E402
from ballotbox.core.tokens.format import Token, generate  # noqa: E402
from ballotbox.core.tokens.hashing import token_hash  # noqa: E402

VERIFY = str(Path(sys.executable).with_name("ballotbox-verify"))
CHANNELS = (("web", 0.55), ("sms", 0.15), ("phone", 0.12), ("postal", 0.18))
TURNOUT, VOID_SHARE, LATE_SHARE = 0.75, 0.004, 0.002
CHECKPOINT_EVERY = 10_000
BLANK_SLATE, BLANK_MOTION = 0.01, 0.03
CACHE = Path("/tmp/ballotbox-verify-bench")  # noqa: S108 - a cache anyone may rebuild


def definition(seed: int) -> dict[str, Any]:
    """The ballot: an STV slate from the synthetic profile's candidates and a referendum."""
    _party, names, _appeal = synthetic.candidates_of(random.Random(seed))

    def listed(names: list[str]) -> list[dict[str, Any]]:
        return [
            {"number": i, "name": n, "statement": "", "url": "", "group": ""}
            for i, n in enumerate(names, start=1)
        ]

    common = {"description": "", "max_choices": None, "abstentions_count": False}
    return {
        "slug": "leadership-2027",
        "title": "Leadership and rule change ballot 2027",
        "description": "Synthetic bundle for benchmarks/verify.py",
        "opens": "2027-03-01T09:00:00Z",
        "closes": "2027-03-21T17:00:00Z",
        "channels": ["web", "sms", "phone", "postal"],
        "tie_seed": f"seed{seed:012d}",
        "contests": [
            {
                **common,
                "key": "A",
                "title": f"National executive ({synthetic.SEATS} seats)",
                "method": "scottish-stv",
                "seats": synthetic.SEATS,
                "candidates": listed(names),
                "threshold": "1/2",
                "group_minimums": [],
            },
            {
                **common,
                "key": "B",
                "title": "Rule change 4: two-year terms",
                "method": "referendum",
                "seats": 1,
                "candidates": listed(["Yes", "No", "Abstain"]),
                "threshold": "2/3",
                "group_minimums": [],
            },
        ],
    }


def _time(minutes: int) -> str:
    """A fixed timestamp ``minutes`` after the opening (no clock: the bundle is reproducible)."""
    day, rest = divmod(minutes, 24 * 60)
    return f"2027-03-{1 + day:02d}T{rest // 60:02d}:{rest % 60:02d}:00Z"


class Log:
    """The hash chain as the core keeps it, with the running ballot count for checkpoints."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self.head = GENESIS
        self.ballots = 0

    def append(self, payload: dict[str, Any]) -> tuple[int, bytes]:
        """Append one payload; its position and the new head."""
        position = len(self.entries)
        self.head = link(self.head, position, payload)
        self.entries.append(LogEntry(position, payload, self.head.hex()))
        self.ballots += payload["kind"] == "ballot"
        return position, self.head


def votes(ballots: int, seed: int) -> list[dict[str, list[int]]]:
    """Every voter's recorded ballot: a slate ranking and a referendum answer, a few blank."""
    rng = random.Random(seed + 1)
    out = []
    for ranking in synthetic.profile(ballots, seed):
        slate = [c + 1 for c in ranking]
        motion = [rng.choices((1, 2, 3), (0.58, 0.37, 0.05))[0]]
        roll = rng.random()
        if roll < BLANK_SLATE:
            slate = []
        elif roll < BLANK_SLATE + BLANK_MOTION:
            motion = []
        out.append({"A": slate, "B": motion})
    return out


def make(ballots: int, out: Path, seed: int = 2027) -> None:
    """Play an election of ``ballots`` voters and write its published bundle to ``out``."""
    rng = random.Random(seed)
    key = crypto.signing_key_from_seed(rng.randbytes(32))
    token_key = rng.randbytes(32)
    document = definition(seed)
    slug = document["slug"]
    issued = round(ballots / TURNOUT)
    seen: set[str] = set()
    tokens: list[Token] = []
    while len(tokens) < issued:
        token = generate(rng.randrange)
        if token.digits not in seen:
            seen.add(token.digits)
            tokens.append(token)
    hashes = [token_hash(t, token_key) for t in tokens]
    void = max(1, round(issued * VOID_SHARE))
    log = Log()
    log.append(event_payload("created", definition_hash=document_hash(document), time=_time(0)))
    log.append(event_payload("tokens_issued", count=issued))
    log.append(event_payload("voided", count=void))
    commitment = make_commitment(
        key,
        election=slug,
        definition=document,
        token_hashes=hashes,
        void=hashes[:void],
        tie_break_seed=document["tie_seed"],
        time=_time(60),
    )
    log.append(event_payload("opened", commitment=commitment, time=_time(60)))
    recorded = votes(ballots, seed)
    channels = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS], k=ballots)
    voters = list(range(void, void + ballots))
    rng.shuffle(voters)  # casting order is not token order
    late = max(1, round(ballots * LATE_SHARE))
    checkpoints: list[dict[str, Any]] = []
    rows: list[BallotRow] = []
    span = 20 * 24 * 60
    for step, voter in enumerate(voters):
        if step == ballots - late:
            _close(key, slug, log, checkpoints, late, span)
        digits = tokens[voter].digits
        choices = recorded[step]
        nonce = rng.randbytes(16)
        log.append(ballot_payload(ballot_commitment(nonce, ballot_hash(digits, choices))))
        ticks = 61 + step * span // ballots
        if step < ballots - late and (step + 1) % CHECKPOINT_EVERY == 0:
            checkpoints.append(_checkpoint(key, slug, log, _time(ticks)))
        cells = {k: tuple(v) for k, v in choices.items()}
        rows.append(
            BallotRow(digits, "postal" if step >= ballots - late else channels[step], cells)
        )
    log.append(
        event_payload(
            "override",
            what="postal_letters_pending",
            pending=0,
            reason="All letters in hand keyed; count authorised.",
            time=_time(span + 90),
        )
    )
    result = recount(document, [r.by_contest(document) for r in rows], document["tie_seed"])
    log.append(event_payload("counted", result_hash=document_hash(result), time=_time(span + 120)))
    log.append(event_payload("published", time=_time(span + 180)))
    voted = set(voters)
    states = [
        (h.hex(), "void" if i < void else "voted" if i in voted else "unused")
        for i, h in enumerate(hashes)
    ]
    data = BundleData(
        definition=document,
        public_key=crypto.public_key_hex(key),
        commitment=commitment,
        token_key=token_key,
        tokens=states,
        ballots=rows,
        log=log.entries,
        checkpoints=checkpoints,
        result=result,
    )
    write_directory(build_files(data, key), out)


def _close(key: Any, slug: str, log: Log, checkpoints: list[Any], late: int, span: int) -> None:
    """The close: letters in hand are committed to as ``late``; a checkpoint at the close."""
    log.append(event_payload("closed", ballots=log.ballots, late=late, time=_time(span + 60)))
    checkpoints.append(_checkpoint(key, slug, log, _time(span + 60)))


def _checkpoint(key: Any, slug: str, log: Log, when: str) -> dict[str, Any]:
    """A signed checkpoint at the log's current head."""
    return make_checkpoint(
        key,
        election=slug,
        position=len(log.entries) - 1,
        head=log.head,
        ballots=log.ballots,
        time=when,
    )


def run(sizes: list[int], runs: int, seed: int, checkout: Path | None = None) -> None:
    """Time ``ballotbox-verify`` on a bundle of each size (made once, cached); print a table."""
    bundles = {}
    for size in sizes:
        path = CACHE / f"seed{seed}-{size}"
        if not (path / "manifest.json").exists():
            started = time.perf_counter()
            make(size, path, seed)
            print(f"made {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        bundles[size] = path
    print(f"machine: {machine()}", file=sys.stderr)
    walls: dict[int, list[float]] = {s: [] for s in sizes}
    cpus: dict[int, list[float]] = {s: [] for s in sizes}
    peaks: dict[int, list[float]] = {s: [] for s in sizes}
    for _ in range(runs):
        for size in sizes:
            prefix = [f"PYTHONPATH={checkout}"] if checkout else []
            wall, cpu, peak, output = timed([*prefix, VERIFY, str(bundles[size])])
            if not output.rstrip().endswith("checks hold."):
                raise SystemExit(f"the bundle of {size} did not verify:\n{output}")
            walls[size].append(wall)
            cpus[size].append(cpu)
            peaks[size].append(peak)
    print(f"| ballots | wall s, median of {runs} (min–max) | CPU s, median | peak RSS MB, median |")
    print("|---|---|---|---|")
    for size in sizes:
        w = walls[size]
        print(
            f"| {size:,} | {statistics.median(w):.2f} ({min(w):.2f}–{max(w):.2f}) "
            f"| {statistics.median(cpus[size]):.2f} | {statistics.median(peaks[size]):.0f} |"
        )
    print(f"\nload at the end: {Path('/proc/loadavg').read_text().split()[:3]}", file=sys.stderr)


def main() -> None:
    """Command line: ``make`` a bundle, or ``run`` the verifier on bundles of several sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    maker = commands.add_parser("make", help="write a valid published bundle of N ballots")
    maker.add_argument("--ballots", type=int, required=True)
    maker.add_argument("--out", type=Path, required=True, help="the bundle directory to write")
    maker.add_argument("--seed", type=int, default=2027)
    runner = commands.add_parser("run", help="time ballotbox-verify at several sizes")
    runner.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    runner.add_argument("--runs", type=int, default=5)
    runner.add_argument("--seed", type=int, default=2027)
    runner.add_argument(
        "--checkout", type=Path, help="verify with the ballotbox package in this directory instead"
    )
    args = parser.parse_args()
    if args.command == "make":
        if args.out.exists() and any(args.out.iterdir()):
            raise SystemExit(f"{args.out}: exists and is not empty; choose a new directory")
        make(args.ballots, args.out, args.seed)
    else:
        run(args.sizes, args.runs, args.seed, args.checkout)


if __name__ == "__main__":
    main()
