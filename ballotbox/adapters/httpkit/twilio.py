"""Twilio at the edge: signed webhooks in, TwiML out, and in-memory guards that keep no numbers.

Every SMS and voice webhook passes :func:`twilio_params` first: with no auth
token configured the endpoint does not exist (404); a request whose
``X-Twilio-Signature`` does not match the configured public URL and the POST
parameters is refused (403) before anything is read from or written to the
database.

The guards live only in this process's memory and hold only keyed hashes:

* :class:`Blinder` turns a phone number or a Twilio SID into a BLAKE2b hash
  under a key drawn at start-up and never written anywhere, so even a memory
  dump after a restart cannot be matched to a number.
* :class:`FailureLimiter` counts failed token attempts per sender and in
  total, forgetting them after a short window, and logs an alert (never a
  number) when well-formed unknown tokens flood in.
* :class:`ReplyCache` remembers the reply to each ``MessageSid`` for a few
  minutes so that Twilio's retry gets the same answer, sealed under a key
  derived from the SID itself: without the SID the cache cannot be read.

With several worker processes each has its own guards (see docs/twilio.md).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import nacl.exceptions
import nacl.secret
from fastapi import HTTPException, Request
from fastapi.responses import Response
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from ballotbox.config import Settings
from ballotbox.core.errors import RateLimitedError

log = logging.getLogger("ballotbox.twilio")

SIGNATURE_HEADER = "X-Twilio-Signature"
# Twilio's own webhooks are a few kilobytes; an SMS body is at most 1,600 characters.
MAX_BODY_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class _Params(dict[str, list[str]]):
    """POST parameters with repeats kept, in the shape ``RequestValidator`` reads."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def public_url_for(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: the configured public base, the route path and the query."""
    path: str = request.scope.get("path", "")
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return settings.public_base + path + (f"?{query}" if query else "")


def auth_token(settings: Settings) -> str | None:
    """The configured Twilio auth token, or None when the Twilio channels are off."""
    if settings.twilio_auth_token is None:
        return None
    token = settings.twilio_auth_token.get_secret_value()
    return token or None


async def twilio_params(request: Request) -> dict[str, str]:
    """Dependency: the POST parameters of a request Twilio signed, or 404/403 and nothing else."""
    settings: Settings = request.app.state.settings
    token = auth_token(settings)
    if token is None:
        raise HTTPException(404)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise HTTPException(403, "This address only answers requests signed by Twilio.")
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if len(body) > MAX_BODY_BYTES or (body and content_type != FORM_TYPE):
        raise HTTPException(403, "This address only answers requests signed by Twilio.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(403, "This address only answers requests signed by Twilio.") from None
    params = _Params()
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    url = public_url_for(request, settings)
    if not RequestValidator(token).validate(url, params, signature):
        raise HTTPException(403, "This address only answers requests signed by Twilio.")
    return {name: values[0] for name, values in params.items()}


def sign(auth: str, url: str, params: dict[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for ``params`` posted to ``url``."""
    return str(RequestValidator(auth).compute_signature(url, params))


def twiml(document: object) -> Response:
    """A TwiML document (``MessagingResponse`` or ``VoiceResponse``) as the HTTP answer."""
    return Response(content=str(document), media_type="application/xml")


class Blinder:
    """Keyed BLAKE2b under a per-process random key: equal inputs match, nothing else leaks."""

    def __init__(self, purpose: bytes, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._person = purpose[:16]

    def __call__(self, value: str) -> bytes:
        return hashlib.blake2b(
            value.encode("utf-8"), key=self._key, digest_size=16, person=self._person
        ).digest()


@dataclass
class FailureLimiter:
    """Failed token attempts per sender (keyed hash) and in total, over a sliding window.

    ``check`` refuses a sender with ``per_source`` recent failures, and
    everybody once ``global_limit`` well-formed unknown tokens arrived within
    the window (someone is guessing; members are told to wait a few minutes).
    ``global_alert`` unknown tokens log one warning per window, never a number.
    """

    channel: str
    per_source: int = 8
    global_alert: int = 50
    global_limit: int = 500
    window_s: float = 900.0
    max_sources: int = 100_000
    monotonic: Callable[[], float] = time.monotonic
    _blind: Blinder = field(default_factory=lambda: Blinder(b"bb-ratelimit"))
    _sources: OrderedDict[bytes, deque[float]] = field(default_factory=OrderedDict)
    _unknown: deque[float] = field(default_factory=deque)
    _alerted_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _prune(self, now: float) -> None:
        horizon = now - self.window_s
        while self._unknown and self._unknown[0] < horizon:
            self._unknown.popleft()
        # Sources are kept in order of their latest failure: drop the stale ones at the front.
        while self._sources:
            oldest = next(iter(self._sources.values()))
            if oldest[-1] >= horizon:
                break
            self._sources.popitem(last=False)

    def check(self, source: str) -> None:
        """Raise :class:`RateLimitedError` if ``source`` (or everyone) must wait."""
        now = self.monotonic()
        with self._lock:
            self._prune(now)
            if len(self._unknown) >= self.global_limit:
                raise RateLimitedError()
            times = self._sources.get(self._blind(source))
            while times and times[0] < now - self.window_s:
                times.popleft()
            if times is not None and len(times) >= self.per_source:
                raise RateLimitedError()

    def record_failure(self, source: str, *, unknown_token: bool) -> None:
        """Count one failed attempt; ``unknown_token`` when it was well-formed but never issued."""
        now = self.monotonic()
        with self._lock:
            key = self._blind(source)
            times = self._sources.pop(key, deque())
            times.append(now)
            self._sources[key] = times
            while len(self._sources) > self.max_sources:
                self._sources.popitem(last=False)
            if unknown_token:
                self._unknown.append(now)
                recent = self._alerted_at is not None and now - self._alerted_at < self.window_s
                if len(self._unknown) >= self.global_alert and not recent:
                    self._alerted_at = now
                    log.warning(
                        "ALERT: %d well-formed unknown tokens by %s in the last %d minutes; "
                        "someone may be guessing tokens",
                        len(self._unknown), self.channel, int(self.window_s // 60),
                    )  # fmt: skip


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sealed: bytes | None = None
    expires: float = 0.0


@dataclass
class ReplyCache:
    """The reply to each Twilio SID, for ``ttl_s``, so a retry gets the same words.

    Entries are found by a keyed hash of the SID and sealed (XSalsa20-Poly1305)
    under a key derived from the SID itself, so the cache alone links nothing
    to anything.  Concurrent requests with one SID are answered one after the
    other: the second waits for the first and gets its reply.
    """

    ttl_s: float = 900.0
    max_entries: int = 20_000
    monotonic: Callable[[], float] = time.monotonic
    _locate: Blinder = field(default_factory=lambda: Blinder(b"bb-reply-id"))
    _derive: Blinder = field(default_factory=lambda: Blinder(b"bb-reply-key"))
    _entries: OrderedDict[bytes, _Entry] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _box(self, sid: str) -> nacl.secret.SecretBox:
        key = hashlib.blake2b(self._derive(sid), digest_size=nacl.secret.SecretBox.KEY_SIZE)
        return nacl.secret.SecretBox(key.digest())

    def reply_once(self, sid: str, compute: Callable[[], str]) -> str:
        """The reply already given for ``sid``, else ``compute()`` (remembered if it returns)."""
        now = self.monotonic()
        where = self._locate(sid)
        with self._lock:
            while self._entries and next(iter(self._entries.values())).expires < now:
                self._entries.popitem(last=False)
            entry = self._entries.get(where)
            if entry is None:
                entry = self._entries[where] = _Entry(expires=now + self.ttl_s)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        with entry.lock:
            if entry.sealed is not None:
                try:
                    return self._box(sid).decrypt(entry.sealed).decode("utf-8")
                except nacl.exceptions.CryptoError:  # a hash collision: answer afresh
                    pass
            reply = compute()
            entry.sealed = self._box(sid).encrypt(reply.encode("utf-8"))
            entry.expires = self.monotonic() + self.ttl_s
            return reply


@dataclass
class Guards:
    """One channel's in-memory guards, kept on the app."""

    limiter: FailureLimiter
    replies: ReplyCache


_guards_lock = threading.Lock()


def guards_for(request: Request, channel: str) -> Guards:
    """The app's guards for ``channel``, made on first use."""
    state = request.app.state
    name = f"twilio_guards_{channel}"
    with _guards_lock:
        guards: Guards | None = getattr(state, name, None)
        if guards is None:
            guards = Guards(FailureLimiter(channel), ReplyCache())
            setattr(state, name, guards)
    return guards
