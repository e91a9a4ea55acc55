"""Request bodies over their route's limit get 413 before they are read (issue 15, item 4)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ballotbox.adapters.httpkit.bodylimit import TWILIO_BODY_BYTES, VOTING_BODY_BYTES
from ballotbox.app import create_app
from tests.fixtures.elections import BallotEnv
from tests.fixtures.twilio import AUTH, client_for

TEN_MB = 10 * 1000 * 1000
PATHS = ["/api/v1/elections/test-2027/ballots", "/ballot", "/sms/twilio"]


def _declare_and_wait(port: int, path: str, content_type: str) -> tuple[bytes, float]:
    """Send only the headers of a 10 MB POST; return the answer and how long it took."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"X-Twilio-Signature: x\r\nContent-Length: {TEN_MB}\r\n\r\n"
        )
        started = time.monotonic()
        conn.sendall(head.encode())
        answer = conn.recv(65536)
        return answer, time.monotonic() - started


@pytest.mark.parametrize("path", PATHS)
def test_a_declared_10_mb_body_is_refused_before_one_byte_is_sent(
    live_server,
    path: str,
) -> None:
    server = live_server(env={"BALLOTBOX_TWILIO_AUTH_TOKEN": AUTH})
    kind = "application/json" if path.startswith("/api/") else "application/x-www-form-urlencoded"
    answer, waited = _declare_and_wait(server.port, path, kind)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert waited < 5  # answered at once: nothing of the body was awaited
    # The server is still there for everyone else.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert conn.recv(1024).startswith(b"HTTP/1.1 200")


def _stream_through_app(app: Any, path: str, headers: dict[str, str]) -> tuple[int, int, bytes]:
    """Stream a chunked 10 MB body into the ASGI app; return status, bytes it pulled, the body."""
    chunk = b"a" * 8192
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= TEN_MB:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    # In its own thread: the session's Playwright browser may own this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], pulled, body


@pytest.mark.parametrize(
    ("path", "limit", "kind"),
    [
        (PATHS[0], VOTING_BODY_BYTES, "application/json"),
        (PATHS[1], VOTING_BODY_BYTES, "application/x-www-form-urlencoded"),
        (PATHS[2], TWILIO_BODY_BYTES, "application/x-www-form-urlencoded"),
    ],
)
def test_a_chunked_body_is_read_only_up_to_the_limit(
    sqlite_env: BallotEnv, path: str, limit: int, kind: str
) -> None:
    sqlite_env.make_election(tokens=1)
    with client_for(sqlite_env) as client:
        headers = {"content-type": kind, "transfer-encoding": "chunked", "accept": "text/html",
                   "x-twilio-signature": "x"}  # fmt: skip
        status, pulled, body = _stream_through_app(client.app, path, headers)
    assert status == 413, body[:300]
    assert pulled <= limit + 8192, f"read {pulled} bytes of a body over {limit}"


def test_413_is_a_clear_answer_and_small_bodies_still_work(ballot_env: BallotEnv) -> None:
    _slug, tokens = ballot_env.make_election(tokens=1)
    with TestClient(create_app(ballot_env.settings, ballot_env.ctx)) as client:
        big = json.dumps({"token": tokens[0].digits, "choices": [1] * 4000, "pad": "x" * 20000})
        answer = client.post(PATHS[0], content=big, headers={"content-type": "application/json"})
        assert answer.status_code == 413
        assert answer.json() == {
            "error": "http_413",
            "detail": "The request is larger than this address accepts.",
        }
        page = client.post(PATHS[1], data={"token": "1" * 20000}, headers={"accept": "text/html"})
        assert page.status_code == 413 and "larger than this address accepts" in page.text
        vote = client.post(PATHS[0], json={"token": tokens[0].digits, "choices": [2, 1]})
        assert vote.status_code == 201
