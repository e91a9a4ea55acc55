"""Sustained casts per second and latency over HTTP, SQLite and PostgreSQL, 1 and 2 workers.

Each configuration gets a fresh database and an open election with enough
tokens; a uvicorn server is started exactly as in production (access log
off); the load generator keeps CONCURRENCY requests in flight, each casting a
different token through ``POST /api/v1/elections/{slug}/ballots``.  In the
same run, with the same load generator, ``GET /healthz`` is measured as a
reference (the cost of the HTTP stack alone), since this 2-core machine is
shared and noisy.

The load generator is ``wrk`` (Debian package ``wrk``, a C program that
needs little CPU) with ``benchmarks/cast.lua``; without it, a Python asyncio
client is used, which takes most of a core itself and so understates the
server (``--client python`` forces it).

    apt-get install wrk
    .venv/bin/python benchmarks/cast.py                # all four configurations
    .venv/bin/python benchmarks/cast.py --seconds 10 --concurrency 16 --only postgresql
    .venv/bin/python benchmarks/cast.py --only postgresql --workers 2 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ballotbox.config import Settings  # noqa: E402
from ballotbox.definition import definition_from_dict  # noqa: E402
from ballotbox.services import elections, issuance  # noqa: E402
from ballotbox.storage.db import make_engine, transaction  # noqa: E402
from ballotbox.storage.migrate import upgrade  # noqa: E402
from ballotbox.wiring import context_for  # noqa: E402
from tests.fixtures.databases import create_database, drop_database  # noqa: E402
from tests.fixtures.pgserver import free_port, new_server  # noqa: E402

T = TypeVar("T")

#: One HTTP request for the load generator: method, path and JSON body (or none).
Request = tuple[str, str, dict[str, object] | None]


def prepare(url: str, key_dir: Path, count: int) -> list[str]:
    """Migrate, create a 12-candidate STV election, issue ``count`` tokens, open it."""
    settings = Settings(database_url=url, key_dir=key_dir)
    ctx = context_for(settings)
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    definition = definition_from_dict(
        {
            "slug": "bench",
            "title": "Benchmark",
            "method": "scottish-stv",
            "seats": 6,
            "opens": now - timedelta(hours=1),
            "closes": now + timedelta(days=1),
            "candidates": [{"number": i, "name": f"Candidate {i}"} for i in range(1, 13)],
        }
    )
    with transaction(engine) as s:
        election = elections.create(s, ctx, definition)
        tokens = issuance.issue(s, ctx, election, count)
        elections.open_now(s, ctx, election)
    engine.dispose()
    return [t.digits for t in tokens]


def start_server(
    url: str,
    key_dir: Path,
    workers: int,
    *,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn as in production (access log off) on ``port``; returns it and its base URL."""
    port = port or free_port()
    env = {
        **os.environ,
        "BALLOTBOX_DATABASE_URL": url,
        "BALLOTBOX_KEY_DIR": str(key_dir),
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "ballotbox.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def load(
    base: str, requests: Sequence[Request], concurrency: int
) -> tuple[float, list[float], dict[int, int]]:
    """Send ``requests`` with ``concurrency`` in flight; return (seconds, latencies, statuses)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while queue:
                method, path, body = queue.pop()
                started = time.perf_counter()
                response = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - began, latencies, statuses


def run_wrk(
    base: str, seconds: int, connections: int, tokens_file: Path | None
) -> dict[str, float]:
    """Drive ``base`` with wrk; casts (with ``tokens_file``) or the /healthz reference."""
    threads = 2
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    env = {**os.environ, "THREADS": str(threads)}
    if tokens_file is not None:
        cmd += ["-s", str(REPO / "benchmarks" / "cast.lua"), base]
        env["TOKENS"] = str(tokens_file)
    else:
        cmd += [base + "/healthz"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    assert bad is None and errors is None, out
    return {"per_s": rate, "p50_ms": ms("50"), "p99_ms": ms("99")}


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants (from /proc)."""
    total, todo, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        todo += _children(current)
    return total


def postmaster_pid(pg_root: Path | None) -> int | None:
    """The PostgreSQL server's pid (its backends are its children), when we started it."""
    if pg_root is None:
        return None
    pid_file = pg_root / "data" / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def measured(pids: dict[str, int | None], run: Callable[[], T]) -> tuple[T, dict[str, float]]:
    """``run()``'s figures, and the CPU seconds each process tree in ``pids`` spent meanwhile."""
    before = {k: tree_cpu(p) for k, p in pids.items() if p}
    figures = run()
    return figures, {k: tree_cpu(p) - before[k] for k, p in pids.items() if p}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_one_wrk(
    backend: str,
    workers: int,
    seconds: int,
    concurrency: int,
    pg_server: str | None,
    pg_root: Path | None = None,
) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="ballotbox-bench-"))
    url = (
        f"sqlite:///{tmp / 'bench.db'}" if backend == "sqlite" else create_database(pg_server or "")
    )
    tokens = prepare(url, tmp / "keys", 2500 * seconds)  # more than the server can take
    tokens_file = tmp / "tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    proc, base = start_server(url, tmp / "keys", workers)
    try:
        run_wrk(base, 2, concurrency, None)  # warm up
        pids: dict[str, int | None] = {"server": proc.pid}
        if backend == "postgresql":
            pids["postgres"] = postmaster_pid(pg_root)
        ref, ref_cpu = measured(pids, lambda: run_wrk(base, seconds, concurrency, None))
        cast, cast_cpu = measured(pids, lambda: run_wrk(base, seconds, concurrency, tokens_file))
    finally:
        proc.terminate()
        proc.wait(10)
        if backend == "postgresql":
            drop_database(url)
    return {
        "casts_per_s": cast["per_s"],
        "p50_ms": cast["p50_ms"],
        "p99_ms": cast["p99_ms"],
        "ref_per_s": ref["per_s"],
        # CPU milliseconds per request: the app's processes, and PostgreSQL's
        "cast_app_ms": 1000 * cast_cpu["server"] / (cast["per_s"] * seconds),
        "cast_db_ms": 1000 * cast_cpu.get("postgres", 0.0) / (cast["per_s"] * seconds),
        "ref_app_ms": 1000 * ref_cpu["server"] / (ref["per_s"] * seconds),
    }


def run_one(
    backend: str, workers: int, casts: int, concurrency: int, pg_server: str | None
) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="ballotbox-bench-"))
    url = (
        f"sqlite:///{tmp / 'bench.db'}" if backend == "sqlite" else create_database(pg_server or "")
    )
    tokens = prepare(url, tmp / "keys", casts)
    proc, base = start_server(url, tmp / "keys", workers)
    try:
        warm = [("GET", "/healthz", None)] * 200
        asyncio.run(load(base, warm, concurrency))
        ref_s, ref_lat, _ = asyncio.run(
            load(base, [("GET", "/healthz", None)] * casts, concurrency)
        )
        body: list[Request] = [
            (
                "POST",
                "/api/v1/elections/bench/ballots",
                {"token": t, "choices": [1 + i % 12, 1 + (i + 5) % 12, 1 + (i + 7) % 12]},
            )
            for i, t in enumerate(tokens)
        ]
        cast_s, cast_lat, statuses = asyncio.run(load(base, body, concurrency))
    finally:
        proc.terminate()
        proc.wait(10)
        if backend == "postgresql":
            drop_database(url)
    assert statuses == {201: casts}, statuses
    return {
        "backend": backend,
        "workers": workers,
        "casts": casts,
        "concurrency": concurrency,
        "casts_per_s": casts / cast_s,
        "p50_ms": 1000 * statistics.median(cast_lat),
        "p99_ms": 1000 * percentile(cast_lat, 99),
        "ref_per_s": casts / ref_s,
        "ref_p50_ms": 1000 * statistics.median(ref_lat),
    }


def cpu_note(run: dict[str, object]) -> str:
    """The CPU per request of a wrk run, when it was measured."""
    if "cast_app_ms" not in run:
        return ""
    return (
        f"; CPU ms per cast: app {float(run['cast_app_ms']):.2f} "  # type: ignore[arg-type]
        f"+ db {float(run['cast_db_ms']):.2f}, "  # type: ignore[arg-type]
        f"per /healthz: app {float(run['ref_app_ms']):.3f}"  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--casts", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--runs", type=int, default=3, help="repeat each configuration; medians are reported"
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--workers", type=int, choices=[1, 2], action="append", help="only these worker counts"
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk: seconds per measurement")
    parser.add_argument(
        "--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    args = parser.parse_args()
    backends = [args.only] if args.only else ["sqlite", "postgresql"]
    pg = None
    if "postgresql" in backends:
        pg = new_server()
        pg_url = pg.start()
    try:
        print(f"client: {args.client}, concurrency {args.concurrency}, {args.runs} run(s) each")
        print(
            "| database | workers | casts/s (median) | p50 ms | p99 ms "
            "| /healthz req/s (reference) | casts/s ÷ reference |"
        )
        print("|---|---|---|---|---|---|---|")
        for backend in backends:
            for workers in args.workers or (1, 2):
                if args.client == "wrk":
                    runs = [
                        run_one_wrk(
                            backend,
                            workers,
                            args.seconds,
                            args.concurrency,
                            pg_url if pg else None,
                            pg.root if pg else None,
                        )
                        for _ in range(args.runs)
                    ]
                else:
                    runs = [
                        run_one(
                            backend, workers, args.casts, args.concurrency, pg_url if pg else None
                        )
                        for _ in range(args.runs)
                    ]
                for r in runs:
                    v = {k: float(r[k]) for k in ("casts_per_s", "p50_ms", "p99_ms", "ref_per_s")}  # type: ignore[arg-type]
                    print(
                        f"<!-- run: {v['casts_per_s']:.0f} casts/s, p50 {v['p50_ms']:.1f} ms, "
                        f"p99 {v['p99_ms']:.1f} ms, /healthz {v['ref_per_s']:.0f} req/s, "
                        f"load {os.getloadavg()[0]:.1f}{cpu_note(r)} -->",
                        flush=True,
                    )
                med = {
                    k: statistics.median(float(r[k]) for r in runs)  # type: ignore[arg-type]
                    for k in ("casts_per_s", "p50_ms", "p99_ms", "ref_per_s")
                }
                print(
                    f"| {backend} | {workers} | {med['casts_per_s']:.0f} | {med['p50_ms']:.1f} | "
                    f"{med['p99_ms']:.1f} | {med['ref_per_s']:.0f} | "
                    f"{med['casts_per_s'] / med['ref_per_s']:.2f} |",
                    flush=True,
                )
                if all("cast_app_ms" in r for r in runs):
                    cpu = {
                        k: statistics.median(float(r[k]) for r in runs)  # type: ignore[arg-type]
                        for k in ("cast_app_ms", "cast_db_ms", "ref_app_ms")
                    }
                    print(
                        f"<!-- median CPU ms per cast: app {cpu['cast_app_ms']:.2f} + PostgreSQL "
                        f"{cpu['cast_db_ms']:.2f}; per /healthz: app {cpu['ref_app_ms']:.3f} -->",
                        flush=True,
                    )
    finally:
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()
