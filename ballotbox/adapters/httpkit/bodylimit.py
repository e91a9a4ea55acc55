"""Request bodies are capped per route and refused with 413 before they are read.

A body that declares a ``Content-Length`` over its route's limit is answered
413 at once: the application never runs and not one byte of the body is
read.  A body without a length (chunked) is counted as it streams in, and the
first chunk that takes it over the limit stops the request with the same
413; the rest is never read.  Limits are small for voting and the Twilio
webhooks and larger, configured, for register uploads under ``/admin/uploads/``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ballotbox.config import Settings

KIB = 1024
VOTING_BODY_BYTES = 16 * KIB  # a ballot of 1,000 choices is under 7 KiB
TWILIO_BODY_BYTES = 64 * KIB  # Twilio's webhooks are a few KiB; an SMS at most 1,600 characters
DEFINITION_BODY_BYTES = 4 * 1024 * KIB  # a definition (TOML or the console's form): 2M characters
MESSAGE = "The request is larger than this address accepts."


class BodyTooLargeError(HTTPException):
    """A body over its route's limit (raised while it streams in; answered 413)."""

    def __init__(self) -> None:
        super().__init__(413, MESSAGE)


@dataclass(frozen=True)
class BodyLimits:
    """The largest body each route takes: the longest matching path prefix, else ``default``."""

    default: int
    by_prefix: Sequence[tuple[str, int]] = ()

    def for_path(self, path: str) -> int:
        """The limit for ``path``."""
        best, limit = -1, self.default
        for prefix, size in self.by_prefix:
            if path.startswith(prefix) and len(prefix) > best:
                best, limit = len(prefix), size
        return limit

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        """Voting and webhooks small; officer uploads as configured; the rest the default."""
        return cls(
            default=settings.max_body_bytes,
            by_prefix=(
                ("/api/", VOTING_BODY_BYTES),
                ("/ballot", VOTING_BODY_BYTES),
                ("/sms/", TWILIO_BODY_BYTES),
                ("/phone/", TWILIO_BODY_BYTES),
                ("/admin/uploads/", settings.max_upload_bytes),
                ("/admin/ballots", DEFINITION_BODY_BYTES),
            ),
        )


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return None


async def _refuse(scope: Scope, send: Send) -> None:
    headers = dict(scope.get("headers", []))
    wants_page = b"text/html" in headers.get(b"accept", b"") and not scope["path"].startswith(
        "/api/"
    )
    if wants_page:
        body = f"<!doctype html><title>Too large</title><p>{MESSAGE}</p>".encode()
        kind = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": "http_413", "detail": MESSAGE}).encode()
        kind = b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for a body over its route's limit, reading none (declared) or no more (chunked)."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and not 0 <= declared <= limit:
            await _refuse(scope, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLargeError:
            if started:
                raise
            await _refuse(scope, send)
