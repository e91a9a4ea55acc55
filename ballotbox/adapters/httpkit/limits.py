"""Who is asking (for the failure limits), and answering slowly during a flood.

The client address is used for one thing: as the source whose failed token
attempts :class:`ballotbox.services.guards.Guard` counts, under a keyed hash
that expires.  Behind the TLS proxy every request comes from the proxy, so
``BALLOTBOX_TRUSTED_PROXIES`` names it, and only then is ``X-Forwarded-For``
believed (the right-most address that is not a trusted proxy).  An IPv6
client counts as its /64, which is what one household or phone holds.

A slowed answer waits in the event loop (:class:`SlowAnswerMiddleware`), not
in a worker thread, so a flood of slowed answers cannot starve valid ones.
"""

from __future__ import annotations

import asyncio
import ipaddress
from functools import lru_cache

from fastapi import Request
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ballotbox.adapters.httpkit.deps import Keep, get_context
from ballotbox.config import Settings
from ballotbox.core.errors import BallotboxError
from ballotbox.services.counters import count_rejection
from ballotbox.services.guards import Guard

SLOW_KEY = "bb_slow_seconds"


@lru_cache(maxsize=32)
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(text: str, trusted_proxies: str) -> bool:
    address = _address(text)
    return address is not None and any(address in n for n in _networks(trusted_proxies))


def client_address(request: Request) -> str:
    """The client's address as the failure limits see it (IPv6 as its /64)."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for", "")
    return _client(peer, forwarded, settings.trusted_proxies)


@lru_cache(maxsize=4096)
def _client(peer: str, forwarded: str, trusted_proxies: str) -> str:
    """``client_address`` from the strings it depends on (every cast asks: kept, not parsed
    again for each request from the same address)."""
    if peer and _trusted(peer, trusted_proxies):
        hops = [h for h in forwarded.split(",") if h.strip()]
        for hop in reversed(hops):
            if not _trusted(hop, trusted_proxies):
                peer = hop.strip()
                break
    address = _address(peer)
    if address is None:
        return peer or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def get_guard(request: Request) -> Guard:
    """The app's shared guard (failure limits, flood alarm, retry replies)."""
    return request.app.state.guard  # type: ignore[no-any-return]


def slow_answer(request: Request, seconds: float) -> None:
    """Hold this request's answer back ``seconds`` (during a flood of unknown tokens)."""
    if seconds > 0:
        request.scope.setdefault("state", {})[SLOW_KEY] = seconds


def charged(
    request: Request,
    error: BallotboxError,
    *,
    channel: str = "web",
    source: str | None = None,
    token_text: str | None = None,
    slug: str | None = None,
) -> Keep:
    """What a refused token attempt keeps: its audit count and its source's failure.

    Pass it to ``refuse(request, keep=...)``: it runs after the request's
    rollback, in a transaction of its own, and slows the answer when a flood
    of unknown tokens is under way (the answer is sent after it has run).
    """
    ctx, guard = get_context(request), get_guard(request)
    where = client_address(request) if source is None and channel == "web" else source

    def keep(session: Session) -> None:
        delay = count_rejection(
            session, ctx, error, token_text=token_text, slug=slug,
            guard=guard, channel=channel, source=where,
        )  # fmt: skip
        slow_answer(request, delay)

    return keep


def failed(request: Request, channel: str, source: str, *, unknown_token: bool) -> Keep:
    """What a failed token attempt on ``channel`` keeps: its source's failure (and the flood's).

    For ``refuse(request, keep=...)``; slows the answer during a flood.
    """
    guard = get_guard(request)

    def keep(session: Session) -> None:
        slow_answer(request, guard.failed(session, channel, source, unknown_token=unknown_token))

    return keep


class SlowAnswerMiddleware:
    """Waits before sending an answer that a route asked to slow (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_later(message: Message) -> None:
            if message["type"] == "http.response.start":
                delay = scope.get("state", {}).get(SLOW_KEY, 0.0)
                if delay:
                    await asyncio.sleep(delay)
            await send(message)

        await self.app(scope, receive, send_later)
