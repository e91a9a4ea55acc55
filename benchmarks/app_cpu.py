"""The app's own CPU per request on each voting path, without HTTP or a load generator.

``load.py`` measures what users meet: the whole server over HTTP, sharing the
machine's cores with PostgreSQL and the client, whose speed swings with the
host.  This script answers a narrower question, for someone changing the
code: how much of the server's CPU does one request of each kind cost?  It
builds the real app (``create_app``) on a fresh PostgreSQL database, opens it
through its lifespan, and calls it through its ASGI interface from
``--concurrency`` callers at once, each request built as ``load.py`` builds
it (the ballot page and its form with the CSRF pair, the JSON API, a text
signed as Twilio signs it).  The CPU the process used (every thread: the
event loop, the thread pool, the batcher) is divided by the requests:

* ``page``: ``GET /v/{token}``, the ballot page;
* ``form``: ``POST /ballot/cast`` from that page (the page fetched beforehand, untimed);
* ``web``: both, as one web vote;
* ``api``: ``POST /api/v1/elections/{slug}/ballots``;
* ``sms``: ``POST /sms/twilio`` with ``TOKEN 3 1 2``;
* ``healthz``: ``GET /healthz``, the reference.

PostgreSQL runs in its own processes, so its CPU is not counted.

    .venv/bin/python benchmarks/app_cpu.py                  # every path, 800 requests each
    .venv/bin/python benchmarks/app_cpu.py --only page,form --requests 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from cast import prepare  # noqa: E402  (benchmarks/ is not a package)
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]  # noqa: E402

from tests.fixtures.databases import create_database, drop_database  # noqa: E402
from tests.fixtures.pgserver import new_server  # noqa: E402

AUTH_TOKEN = "app-cpu-benchmark-auth-token"  # noqa: S105 - a throwaway app's Twilio token
HOST = "127.0.0.1:8000"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KINDS = ("healthz", "api", "page", "form", "web", "sms")
WARM_UP = 20

App = Callable[..., Coroutine[Any, Any, None]]


class Reply:
    """What the app sent back for one request."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    def cookie(self, name: str) -> str:
        """``name=value`` of a cookie the reply sets."""
        prefix = name.encode() + b"="
        for key, value in self.headers:
            if key == b"set-cookie" and value.startswith(prefix):
                return value.decode().split(";")[0]
        raise AssertionError(f"no {name} cookie in the reply")


async def request(
    app: App, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Reply:
    """One HTTP request through the app's ASGI interface."""
    given = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*given, (b"host", HOST.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    reply = Reply()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never hangs up
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            reply.status, reply.headers = message["status"], message["headers"]
        elif message["type"] == "http.response.body":
            reply.body += message.get("body", b"")

    await app(scope, receive, send)
    return reply


class Voter:
    """The requests of each kind, and what a form needs from its page."""

    def __init__(self, app: App, slug: str) -> None:
        self.app, self.slug = app, slug
        self.validator = RequestValidator(AUTH_TOKEN)
        self.forms: dict[str, tuple[str, str]] = {}  # token -> (CSRF field, CSRF cookie)

    async def healthz(self, _token: str) -> None:
        reply = await request(self.app, "GET", "/healthz")
        assert reply.status == 200, reply.status

    async def api(self, token: str) -> None:
        body = json.dumps({"token": token, "choices": [3, 1, 2]}).encode()
        headers = {"content-type": "application/json"}
        path = f"/api/v1/elections/{self.slug}/ballots"
        reply = await request(self.app, "POST", path, body, headers)
        assert reply.status == 201, (reply.status, reply.body[:200])

    async def page(self, token: str) -> None:
        reply = await request(self.app, "GET", f"/v/{token}", headers={"accept": "text/html"})
        assert reply.status == 200, reply.status
        found = CSRF.search(reply.body.decode())
        assert found is not None, "no CSRF field on the ballot page"
        self.forms[token] = (found.group(1), reply.cookie("bb_csrf"))

    async def form(self, token: str) -> None:
        field, cookie = self.forms.pop(token)
        body = urlencode({"csrf_token": field, "token": token, "choices": "3 1 2"}).encode()
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "cookie": cookie,
            "accept": "text/html",
        }
        reply = await request(self.app, "POST", "/ballot/cast", body, headers)
        assert reply.status == 201, (reply.status, reply.body[:200])

    async def web(self, token: str) -> None:
        await self.page(token)
        await self.form(token)

    async def sms(self, token: str) -> None:
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": f"+4477009{secrets.randbelow(10**5):05d}",
            "To": "+447700900000",
            "Body": token + " 3 1 2",
        }
        signature = self.validator.compute_signature(f"http://{HOST}/sms/twilio", params)
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature,
        }
        reply = await request(self.app, "POST", "/sms/twilio", urlencode(params).encode(), headers)
        assert reply.status == 200 and b"Vote recorded" in reply.body, reply.body[:200]


async def measure(voter: Voter, kind: str, tokens: list[str], concurrency: int) -> float:
    """Process CPU milliseconds per request of ``kind``, one token each."""
    timed = getattr(voter, kind)
    if kind == "form":  # the pages these forms come from are fetched first, untimed
        for token in tokens:
            await voter.page(token)

    async def caller(share: list[str]) -> None:
        for token in share:
            await timed(token)

    began = time.process_time()
    await asyncio.gather(*(caller(tokens[i::concurrency]) for i in range(concurrency)))
    return 1000 * (time.process_time() - began) / len(tokens)


async def run(url: str, kinds: list[str], count: int, concurrency: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        voting = [k for k in kinds if k != "healthz"]
        tokens = iter(prepare(url, keys, (count + WARM_UP) * len(voting) * rounds + 1))
        os.environ.update(
            BALLOTBOX_DATABASE_URL=url,
            BALLOTBOX_KEY_DIR=str(keys),
            BALLOTBOX_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            BALLOTBOX_LOG_LEVEL="warning",
        )
        from ballotbox.app import create_app

        app = create_app()
        async with lifespan(app):
            voter = Voter(app, "bench")
            for kind in kinds:  # templates compiled, statements prepared, pools filled
                for _ in range(WARM_UP if kind != "healthz" else 1):
                    token = next(tokens) if kind != "healthz" else ""
                    if kind == "form":
                        await voter.page(token)
                    await getattr(voter, kind)(token)
            results: dict[str, list[float]] = {kind: [] for kind in kinds}
            for _ in range(rounds):
                for kind in kinds:
                    batch = [next(tokens) if kind != "healthz" else "" for _ in range(count)]
                    results[kind].append(await measure(voter, kind, batch, concurrency))
        for kind in kinds:
            runs = sorted(results[kind])
            shown = " / ".join(f"{ms:.2f}" for ms in results[kind])
            print(f"{kind:8s} {runs[len(runs) // 2]:6.2f} ms of CPU a request  (rounds: {shown})")


class lifespan:  # noqa: N801 - used as ``async with lifespan(app)``
    """The app's ASGI lifespan: started on entry (the batcher, the clock), stopped on exit."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.started = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        async def receive() -> dict[str, str]:
            return await self.inbox.get()

        async def send(message: dict[str, Any]) -> None:
            if message["type"].startswith("lifespan.startup"):
                self.started.set()

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, receive, send))
        await self.inbox.put({"type": "lifespan.startup"})
        await self.started.wait()

    async def __aexit__(self, *_exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        if self.task is not None:
            await asyncio.wait_for(self.task, 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default=",".join(KINDS), help="comma-separated: " + ", ".join(KINDS)
    )
    parser.add_argument("--requests", type=int, default=800, help="requests of each kind a round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median is shown)")
    parser.add_argument("--concurrency", type=int, default=16, help="callers at once")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kind {', '.join(unknown)}: choose from {', '.join(KINDS)}")
    server = new_server()
    try:
        url = create_database(server.start())
        try:
            asyncio.run(run(url, kinds, args.requests, args.concurrency, args.rounds))
        finally:
            drop_database(url)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
