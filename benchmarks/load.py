"""A close-of-poll burst: mixed web-form, API and SMS casts against PostgreSQL, 2 workers.

Every voter holds a different token and all of them arrive at once, as at
the close of a poll; CONCURRENCY are in flight at any moment:

* **web**: ``GET /v/{token}`` (the card's QR address: the ballot page, with
  its CSRF cookie and hidden field), then ``POST /ballot/cast`` with that
  pair, the token and the choices, as the review page's form posts them;
* **API**: ``POST /api/v1/elections/{slug}/ballots`` with JSON;
* **SMS**: ``POST /sms/twilio`` with ``TOKEN 3 1 2``, signed as Twilio signs
  it (``twilio.request_validator.RequestValidator.compute_signature``) and
  answered by the real webhook.

Reported: sustained casts/s over the burst, p50/p99 of the cast request
(for the web, the POST that casts; the page before it is timed apart),
errors (any non-2xx answer, an SMS reply that is not a receipt, or a ballot
missing from the database afterwards), and ``GET /healthz`` with the same
client and concurrency in the same run as the reference.

The load generator is Python (aiohttp, asyncio) in ``--clients`` processes:
``wrk`` cannot carry a CSRF pair from a page to its form or sign Twilio
requests.  The signatures and bodies are made before the burst starts.  The
client shares the machine's cores with the server, so it understates it;
the reference is measured by the same client for that reason.

    .venv/bin/python benchmarks/load.py                    # 3 runs, medians
    .venv/bin/python benchmarks/load.py --casts 3000 --runs 1
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.pool import Pool
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from cast import (  # noqa: E402  (benchmarks/ is not a package)
    measured,
    percentile,
    postmaster_pid,
    prepare,
    start_server,
)
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]  # noqa: E402

from tests.fixtures.databases import create_database, drop_database, libpq_url  # noqa: E402
from tests.fixtures.pgserver import free_port, new_server  # noqa: E402

AUTH_TOKEN = "load-benchmark-auth-token"  # noqa: S105 - a throwaway server's Twilio token
SLUG = "bench"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Voter:
    """One voter of the burst: how they vote and what they send."""

    channel: str  # web | api | sms
    token: str
    choices: list[int]
    sms_body: bytes = b""
    sms_signature: str = ""


@dataclass
class Tally:
    """What one client process saw."""

    started: float = 0.0
    ended: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    page_latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def voters_for(tokens: list[str], mix: dict[str, float], base: str, seed: int) -> list[Voter]:
    """Every token's voter, channels drawn by ``mix``, SMS bodies signed in advance."""
    rng = random.Random(seed)
    channels = list(mix)
    weights = [mix[c] for c in channels]
    validator = RequestValidator(AUTH_TOKEN)
    url = base + "/sms/twilio"
    voters = []
    for token in tokens:
        choices = rng.sample(range(1, 13), rng.randint(1, 6))
        voter = Voter(rng.choices(channels, weights)[0], token, choices)
        if voter.channel == "sms":
            params = {
                "MessageSid": "SM" + secrets.token_hex(16),
                "AccountSid": "AC" + "0" * 32,
                "From": f"+4477009{rng.randrange(10**5):05d}",
                "To": "+447700900000",
                "Body": token + " " + " ".join(map(str, choices)),
            }
            voter.sms_body = urlencode(params).encode()
            voter.sms_signature = validator.compute_signature(url, params)
        voters.append(voter)
    return voters


async def _vote(client: aiohttp.ClientSession, base: str, voter: Voter, tally: Tally) -> None:
    channel = voter.channel
    tally.sent[channel] = tally.sent.get(channel, 0) + 1
    if channel == "web":
        began = time.perf_counter()
        async with client.get(f"{base}/v/{voter.token}") as page:
            text = await page.text()
            morsel = page.cookies.get("bb_csrf")
        tally.page_latencies.append(time.perf_counter() - began)
        field_match = CSRF.search(text)
        if page.status != 200 or field_match is None or morsel is None:
            tally.error(f"web page {page.status}")
            return
        body = urlencode(
            {
                "csrf_token": field_match.group(1),
                "token": voter.token,
                "choices": " ".join(map(str, voter.choices)),
            }
        )
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "cookie": f"bb_csrf={morsel.value}",
            "accept": "text/html",
        }
        began = time.perf_counter()
        async with client.post(f"{base}/ballot/cast", data=body, headers=headers) as response:
            await response.read()
            ok = response.status == 201
    elif channel == "api":
        began = time.perf_counter()
        async with client.post(
            f"{base}/api/v1/elections/{SLUG}/ballots",
            json={"token": voter.token, "choices": voter.choices},
        ) as response:
            await response.read()
            ok = response.status == 201
    else:
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": voter.sms_signature,
        }
        began = time.perf_counter()
        async with client.post(
            f"{base}/sms/twilio", data=voter.sms_body, headers=headers
        ) as response:
            ok = response.status == 200 and "Vote recorded" in await response.text()
    tally.latencies.setdefault(channel, []).append(time.perf_counter() - began)
    if not ok:
        tally.error(f"{channel} {response.status}")


def _session(concurrency: int) -> aiohttp.ClientSession:
    # No cookie jar: each web voter carries their own CSRF cookie, by hand.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def _burst(base: str, voters: list[Voter], concurrency: int, start_at: float) -> Tally:
    tally = Tally()
    queue = list(reversed(voters))
    async with _session(concurrency) as client:
        async with client.get(f"{base}/healthz") as warm:  # connect before the clock starts
            await warm.read()

        async def worker() -> None:
            while queue:
                await _vote(client, base, queue.pop(), tally)

        await asyncio.sleep(max(0.0, start_at - time.time()))
        tally.started = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        tally.ended = time.time()
    return tally


async def _reference(base: str, requests: int, concurrency: int, start_at: float) -> Tally:
    tally = Tally()
    remaining = [requests]
    async with _session(concurrency) as client:
        async with client.get(f"{base}/healthz") as warm:
            await warm.read()

        async def worker() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                began = time.perf_counter()
                async with client.get(f"{base}/healthz") as response:
                    await response.read()
                tally.latencies.setdefault("healthz", []).append(time.perf_counter() - began)
                if response.status != 200:
                    tally.error(f"healthz {response.status}")

        await asyncio.sleep(max(0.0, start_at - time.time()))
        tally.started = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        tally.ended = time.time()
    return tally


def _client(job: tuple[str, str, list[Voter], int, int, float]) -> Tally:
    kind, base, voters, count, concurrency, start_at = job
    if kind == "healthz":
        return asyncio.run(_reference(base, count, concurrency, start_at))
    return asyncio.run(_burst(base, voters, concurrency, start_at))


def _ready(_: int) -> None:
    """Nothing: makes the client processes start and import before any clock starts."""


def _spread(
    pool: Pool, kind: str, base: str, voters: list[Voter], count: int, concurrency: int
) -> list[Tally]:
    """Run the load in the pool's processes, all starting at the same moment."""
    clients = pool._processes  # type: ignore[attr-defined]
    start_at = time.time() + 1.0
    jobs = [
        (kind, base, voters[i::clients], count // clients, concurrency // clients, start_at)
        for i in range(clients)
    ]
    return pool.map(_client, jobs, chunksize=1)


def _start_server(url: str, key_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """The server as cast.py starts it, with the Twilio lines on and its own address public."""
    port = free_port()
    env = {
        "BALLOTBOX_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "BALLOTBOX_PUBLIC_URL": f"http://127.0.0.1:{port}",  # what Twilio signs
    }
    return start_server(url, key_dir, workers, port=port, extra_env=env)


def recorded_by_channel(url: str) -> dict[str, int]:
    """Ballots in the database, by channel (the API and the web pages record ``web``)."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute("SELECT channel, count(*) FROM ballot GROUP BY channel").fetchall()
    return {str(c): int(n) for c, n in rows}


def run_once(
    pg_server: str,
    casts: int,
    concurrency: int,
    workers: int,
    clients: int,
    seed: int,
    pg_root: Path | None = None,
) -> dict[str, float]:
    """One fresh database and server: the /healthz reference, then the burst."""
    tmp = Path(tempfile.mkdtemp(prefix="ballotbox-load-"))
    url = create_database(pg_server)
    tokens = prepare(url, tmp / "keys", casts)
    proc, base = _start_server(url, tmp / "keys", workers)
    try:
        voters = voters_for(tokens, {"web": 0.5, "api": 0.25, "sms": 0.25}, base, seed)
        with multiprocessing.get_context("spawn").Pool(clients) as pool:
            pool.map(_ready, range(clients), chunksize=1)
            _spread(pool, "healthz", base, [], 400, concurrency)  # warm up
            ref = _spread(pool, "healthz", base, [], casts, concurrency)
            pids = {"server": proc.pid, "postgres": postmaster_pid(pg_root)}
            # The load generator shares the two cores: its CPU is reported too.
            pids |= {f"client{i}": p.pid for i, p in enumerate(pool._pool)}  # type: ignore[attr-defined]
            burst, cpu = measured(
                pids, lambda: _spread(pool, "burst", base, voters, casts, concurrency)
            )
        recorded = recorded_by_channel(url)
    finally:
        proc.terminate()
        proc.wait(10)
        drop_database(url)
    lat = [x for t in burst for xs in t.latencies.values() for x in xs]
    seconds = max(t.ended for t in burst) - min(t.started for t in burst)
    ref_lat = [x for t in ref for xs in t.latencies.values() for x in xs]
    ref_seconds = max(t.ended for t in ref) - min(t.started for t in ref)
    errors: dict[str, int] = {}
    for t in burst:
        for what, n in t.errors.items():
            errors[what] = errors.get(what, 0) + n
    sent = {c: sum(t.sent.get(c, 0) for t in burst) for c in ("web", "api", "sms")}
    missing = sent["web"] + sent["api"] - recorded.get("web", 0)
    missing += sent["sms"] - recorded.get("sms", 0)
    by_channel = {
        c: 1000 * percentile([x for t in burst for x in t.latencies.get(c, [])], 99)
        for c in ("web", "api", "sms")
        if sent[c]
    }
    return {
        "casts": float(len(lat)),
        "casts_per_s": len(lat) / seconds,
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * percentile(lat, 99),
        "errors": float(sum(errors.values()) + max(0, missing)),
        "ref_per_s": len(ref_lat) / ref_seconds,
        "ref_p99_ms": 1000 * percentile(ref_lat, 99),
        "page_p99_ms": 1000 * percentile([x for t in burst for x in t.page_latencies] or [0.0], 99),
        **{f"p99_{c}_ms": v for c, v in by_channel.items()},
        **{f"sent_{c}": float(n) for c, n in sent.items()},
        "error_kinds": errors,  # type: ignore[dict-item]
        # CPU milliseconds per cast (a web cast's ballot page included): app, PostgreSQL
        "app_ms": 1000 * cpu["server"] / len(lat),
        "db_ms": 1000 * cpu.get("postgres", 0.0) / len(lat),
        "client_ms": 1000 * sum(v for k, v in cpu.items() if k.startswith("client")) / len(lat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--casts", type=int, default=6000, help="voters in the burst")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pg = new_server()
    pg_url = pg.start()
    try:
        print(
            f"PostgreSQL, {args.workers} workers; {args.casts} voters (web 50 %, API 25 %, "
            f"SMS 25 %), {args.concurrency} in flight, Python client in {args.clients} processes"
        )
        runs = []
        for i in range(args.runs):
            r = run_once(
                pg_url, args.casts, args.concurrency, args.workers, args.clients, i, pg.root
            )
            runs.append(r)
            print(
                f"<!-- run {i + 1}: {r['casts_per_s']:.0f} casts/s, p50 {r['p50_ms']:.1f} ms, "
                f"p99 {r['p99_ms']:.1f} ms (web {r.get('p99_web_ms', 0):.0f}, "
                f"API {r.get('p99_api_ms', 0):.0f}, SMS {r.get('p99_sms_ms', 0):.0f}; "
                f"web page {r['page_p99_ms']:.0f}), errors {r['errors']:.0f} "
                f"{r['error_kinds'] or ''}, /healthz {r['ref_per_s']:.0f} req/s "
                f"(p99 {r['ref_p99_ms']:.1f} ms), load {os.getloadavg()[0]:.1f}; CPU ms per "
                f"cast: app {r['app_ms']:.2f} + PostgreSQL {r['db_ms']:.2f} "
                f"(+ the load generator {r['client_ms']:.2f}) -->",
                flush=True,
            )
        keys = ("casts_per_s", "p50_ms", "p99_ms", "errors", "ref_per_s")
        med = {k: statistics.median(float(r[k]) for r in runs) for k in keys}
        print(
            "| casts/s (median) | p50 ms | p99 ms | errors | /healthz req/s (reference) "
            "| casts/s ÷ reference |"
        )
        print("|---|---|---|---|---|---|")
        print(
            f"| {med['casts_per_s']:.0f} | {med['p50_ms']:.1f} | {med['p99_ms']:.1f} | "
            f"{sum(int(r['errors']) for r in runs)} in {args.runs} runs | "
            f"{med['ref_per_s']:.0f} | {med['casts_per_s'] / med['ref_per_s']:.2f} |"
        )
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
