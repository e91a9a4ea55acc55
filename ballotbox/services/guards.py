"""Limits that cannot shut voters out, and Twilio's retry replies, shared by every worker.

* **Failures are limited, per source.**  A source (an SMS sender, a caller,
  a web or API client address, an address with a teller username) that
  failed ``limit`` times within the window is refused until its failures age
  out.  Valid tokens are never counted, so a voter is refused only when their
  own source kept failing.  The window slides: the previous window's count
  weighs in proportion to how much of it is still inside the window.
* **A flood is met by slowing and alerting, never by refusing.**  Unknown
  tokens are also counted per channel (without any source); from
  ``flood_alert`` within a window one warning is logged, the count shows on
  the live audit page, and the answers to *unknown* tokens are slowed by
  ``flood_delay_s``.  Valid tokens are answered at full speed throughout.
* **Twilio's retries get the first reply.**  See :meth:`Guard.recall` and
  :meth:`Guard.remember`: a reply is kept in the transaction that commits
  what it reports (for a vote, the batcher's), so it is remembered exactly
  when the vote is.

The state lives in the database (``guard_count``, ``guard_reply``), so every
worker and every host on one database sees the same counts and replies; a
single SQLite process may keep it in memory instead (``guard_state``).  A
source is stored only as a keyed BLAKE2b hash under a key derived from the
server's secret (``site.key``, outside the database) and the window, so the
hash changes every window and expires with it.  docs/security.md has the
guessing budget these limits give.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import nacl.exceptions
import nacl.secret
from sqlalchemy import Engine, event
from sqlmodel import Session

from ballotbox.config import Settings
from ballotbox.core.clock import Clock
from ballotbox.core.errors import RateLimitedError
from ballotbox.services.context import Context
from ballotbox.storage import repository
from ballotbox.storage.db import before_commit, reader

log = logging.getLogger("ballotbox.guards")

CHANNELS = ("web", "sms", "phone")
SIGN_IN = "sign-in"  # one address with one teller username
SIGN_IN_FROM = "sign-in-from"  # one address, whatever the usernames
REPLY_TTL_S = 900
_PENDING_REPLIES = "ballotbox_guard_replies"
_PAD = 256


@dataclass(frozen=True)
class Limits:
    """How many failures each kind of source may have per window, and the flood alarm."""

    window_s: float
    per_source: dict[str, int]
    flood_alert: int
    flood_delay_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits configured by ``BALLOTBOX_LIMIT_*`` and ``BALLOTBOX_FLOOD_*``."""
        return cls(
            window_s=settings.limit_window_minutes * 60,
            per_source={
                "web": settings.limit_web,
                "sms": settings.limit_sms,
                "phone": settings.limit_phone,
                SIGN_IN: settings.limit_sign_in,
                SIGN_IN_FROM: 4 * settings.limit_sign_in,
            },
            flood_alert=settings.flood_alert,
            flood_delay_s=settings.flood_delay_seconds,
        )


class GuardStore(Protocol):
    """Where counts and replies live: the database, or one process's memory."""

    def counts(
        self, keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, int]: ...
    def bump(self, session: Session, key: bytes, expires: int) -> int: ...
    def recall(
        self, keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, bytes]: ...
    def remember(
        self, session: Session, key: bytes, expires: int, now: int, sealed: bytes
    ) -> None: ...
    def prune(self, session: Session, now: int) -> int: ...


@dataclass
class DatabaseStore:
    """Counts and replies in the database: one state for every worker and host."""

    engine: Engine

    def __post_init__(self) -> None:
        self._reader = reader(self.engine)

    def counts(
        self, keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, int]:
        """Read in ``session``'s transaction if given, else on a connection of its own (a plain
        read: it never holds a lock)."""
        if session is not None:
            return repository.guard_counts(session, keys, now)
        with self._reader.connect() as connection:
            return repository.guard_counts(connection, keys, now)

    def bump(self, session: Session, key: bytes, expires: int) -> int:
        """In the caller's transaction (committed with what failed)."""
        return repository.bump_guard_count(session, key, expires)

    def recall(
        self, keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, bytes]:
        """The unexpired replies under ``keys``: in ``session``'s transaction if given, else
        read on a connection of its own."""
        if session is not None:
            return repository.guard_replies(session, keys, now)
        with self._reader.connect() as connection:
            return repository.guard_replies(connection, keys, now)

    def remember(self, session: Session, key: bytes, expires: int, now: int, sealed: bytes) -> None:
        """In the caller's transaction: kept exactly when what the reply reports is.

        Written just before that transaction commits, every reply of a batch of
        casts in one statement (not one round trip per vote while the chain is locked).
        """

        def write(writing: Session, replies: list[tuple[bytes, int, bytes]]) -> None:
            repository.keep_guard_replies(writing, replies, now)

        before_commit(session, _PENDING_REPLIES, write).append((key, expires, sealed))

    def prune(self, session: Session, now: int) -> int:
        """Delete what has expired."""
        return repository.prune_guards(session, now)


@dataclass
class MemoryStore:
    """Counts and replies in this process only: for SQLite served by one worker."""

    _counts: dict[bytes, tuple[int, int]] = field(default_factory=dict)
    _replies: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def counts(
        self, keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, int]:
        """The unexpired counts under ``keys`` (the session is not used)."""
        with self._lock:
            found = {k: self._counts.get(k) for k in keys}
        return {k: c for k, v in found.items() if v is not None for c, e in [v] if e > now}

    def bump(self, session: Session, key: bytes, expires: int) -> int:
        """Add one (the session is not used)."""
        with self._lock:
            count = self._counts.get(key, (0, expires))[0] + 1
            self._counts[key] = (count, expires)
        return count

    def recall(
        self, keys: Sequence[bytes], now: int, session: Session | None = None
    ) -> dict[bytes, bytes]:
        """The unexpired replies under ``keys`` (the session is not used)."""
        with self._lock:
            found = {k: self._replies.get(k) for k in keys}
        return {k: e[0] for k, e in found.items() if e is not None and e[1] > now}

    def remember(self, session: Session, key: bytes, expires: int, now: int, sealed: bytes) -> None:
        """Kept once ``session`` commits (and never if it rolls back); the first reply stays."""

        def keep(_session: Session) -> None:
            with self._lock:
                kept = self._replies.get(key)
                if kept is None or kept[1] <= now:
                    self._replies[key] = (sealed, expires)

        event.listen(session, "after_commit", keep, once=True)

    def prune(self, session: Session, now: int) -> int:
        """Forget what has expired."""
        with self._lock:
            old = [k for k, (_c, e) in self._counts.items() if e <= now]
            for k in old:
                del self._counts[k]
            stale = [k for k, (_r, e) in self._replies.items() if e <= now]
            for k in stale:
                del self._replies[k]
        return len(old) + len(stale)


class Guard:
    """Failure limits per source, the flood alarm and retry replies (see the module docstring)."""

    def __init__(self, store: GuardStore, secret: bytes, limits: Limits, clock: Clock) -> None:
        self.store = store
        self.limits = limits
        self.clock = clock
        self._secret = secret

    @classmethod
    def from_settings(cls, settings: Settings, ctx: Context, engine: Engine) -> Guard:
        """The guard ``settings`` ask for, keyed by the server's secret."""
        store: GuardStore = (
            MemoryStore() if settings.guard_state == "memory" else DatabaseStore(engine)
        )
        secret = ctx.keys.site_secret(b"guards")
        return cls(store, secret, Limits.from_settings(settings), ctx.clock)

    # -- windows and keys ----------------------------------------------------------------------
    def _now(self) -> tuple[int, int, float]:
        """Now in whole seconds, the current window's number and how far into it we are."""
        moment = self.clock.now().timestamp()
        window = self.limits.window_s
        return int(moment), int(moment // window), (moment % window) / window

    def _expiry(self, bucket: int) -> int:
        # Kept through the next window too, where it still weighs in.
        return int((bucket + 2) * self.limits.window_s) + 1

    def _source_key(self, kind: str, source: str, bucket: int) -> bytes:
        return hashlib.blake2b(
            f"{kind}\n{source}".encode(),
            key=self._secret,
            digest_size=32,
            salt=bucket.to_bytes(16, "big"),
            person=b"bb-guard-source",
        ).digest()

    @staticmethod
    def _flood_key(channel: str, bucket: int) -> bytes:
        return f"flood:{channel}:".encode() + bucket.to_bytes(8, "big")

    # -- failures ------------------------------------------------------------------------------
    def failures(self, kind: str, source: str, session: Session | None = None) -> float:
        """``source``'s failures over the sliding window (read in ``session`` if given)."""
        return self._failures([(kind, source)], session)[(kind, source)]

    def _failures(
        self, sources: Iterable[tuple[str, str]], session: Session | None = None
    ) -> dict[tuple[str, str], float]:
        """Each (kind, source)'s failures over the sliding window, in one read."""
        now, bucket, into = self._now()
        keys = {
            wanted: (self._source_key(*wanted, bucket), self._source_key(*wanted, bucket - 1))
            for wanted in sources
        }
        counts = self.store.counts([k for pair in keys.values() for k in pair], now, session)
        return {
            wanted: counts.get(current, 0) + counts.get(previous, 0) * (1 - into)
            for wanted, (current, previous) in keys.items()
        }

    def limited(
        self, sources: Iterable[tuple[str, str]], session: Session | None = None
    ) -> set[tuple[str, str]]:
        """Which of the (kind, source) pairs have used up their failures for now (one read).

        The batcher asks this once per batch of casts, in the batch's own transaction
        (``session``), before it looks up any token.
        """
        return {
            wanted
            for wanted, failures in self._failures(sources, session).items()
            if failures >= self.limits.per_source[wanted[0]]
        }

    def over_limit(self, kind: str, source: str, session: Session | None = None) -> bool:
        """True when ``source`` has used up its failures for now."""
        return self.failures(kind, source, session) >= self.limits.per_source[kind]

    def check(self, kind: str, source: str, session: Session | None = None) -> None:
        """Raise :class:`RateLimitedError` when ``source`` must wait (before any look-up).

        Read in ``session``'s transaction when the request has begun one (a
        connection fewer), else on a connection of its own."""
        if self.over_limit(kind, source, session):
            raise RateLimitedError()

    def failed(self, session: Session, kind: str, source: str, *, unknown_token: bool) -> float:
        """Count one failure of ``source`` in ``session``; returns the delay its answer gets.

        ``unknown_token`` when a well-formed token was never issued: those also
        feed the channel's flood alarm, and during a flood they are answered
        ``flood_delay_s`` late (the caller commits the session).
        """
        now, bucket, _into = self._now()
        self.store.bump(session, self._source_key(kind, source, bucket), self._expiry(bucket))
        if not unknown_token:
            return 0.0
        count = self.store.bump(session, self._flood_key(kind, bucket), self._expiry(bucket))
        if count == self.limits.flood_alert:
            log.warning(
                "ALERT: %d well-formed unknown tokens by %s in this %d-minute window; someone "
                "may be guessing tokens. Their answers are slowed; nobody is refused.",
                count, kind, int(self.limits.window_s // 60),
            )  # fmt: skip
        return self.limits.flood_delay_s if count >= self.limits.flood_alert else 0.0

    def flood(self) -> dict[str, int]:
        """Unknown tokens per channel in the current window (no source, for the audit page)."""
        now, bucket, _into = self._now()
        keys = {channel: self._flood_key(channel, bucket) for channel in CHANNELS}
        counts = self.store.counts(list(keys.values()), now)
        return {channel: counts.get(key, 0) for channel, key in keys.items()}

    # -- Twilio retries ------------------------------------------------------------------------
    def _reply_keys(self, sid: str, text: str) -> tuple[bytes, nacl.secret.SecretBox]:
        where = hashlib.blake2b(
            sid.encode(), key=self._secret, digest_size=32, person=b"bb-reply-id"
        ).digest()
        box = nacl.secret.SecretBox(
            hashlib.blake2b(
                f"{sid}\n{text}".encode(), key=self._secret, digest_size=32, person=b"bb-reply-seal"
            ).digest()
        )
        return where, box

    def recall(self, sid: str, text: str, session: Session | None = None) -> str | None:
        """The reply already given to message ``sid`` (committed), or None.

        Found by a keyed hash of the SID; sealed (XSalsa20-Poly1305, padded)
        under a key derived from the SID and the message ``text``, which a
        retry repeats word for word (another text under the same SID: None).
        Read in ``session``'s transaction if given (on SQLite that fixes its
        snapshot: pass none to see a reply committed since).
        """
        return self.recall_many([(sid, text)], session).get((sid, text))

    def recall_many(
        self, messages: Iterable[tuple[str, str]], session: Session | None = None
    ) -> dict[tuple[str, str], str]:
        """The replies already given to each (``sid``, ``text``) that has one, in one read (a
        batch of texts' votes asks for all of them at once): as :meth:`recall`."""
        now, _bucket, _into = self._now()
        sealers = {message: self._reply_keys(*message) for message in messages}
        kept = self.store.recall([where for where, _box in sealers.values()], now, session)
        found = {}
        for message, (where, box) in sealers.items():
            sealed = kept.get(where)
            if sealed is None:
                continue
            try:
                plain = box.decrypt(sealed)
            except nacl.exceptions.CryptoError:  # not this message's reply: answer it afresh
                continue
            found[message] = plain[4 : 4 + int.from_bytes(plain[:4], "big")].decode()
        return found

    def remember(self, session: Session, sid: str, text: str, reply: str) -> None:
        """Keep ``reply`` to message ``sid`` for its retries, in ``session``'s transaction.

        Pass the session whose commit makes what the reply reports true (the
        batcher's for a vote): the reply is remembered exactly when that is.
        """
        now, _bucket, _into = self._now()
        where, box = self._reply_keys(sid, text)
        data = reply.encode()
        padding = b"\0" * (-(len(data) + 4) % _PAD)
        sealed = bytes(box.encrypt(len(data).to_bytes(4, "big") + data + padding))
        self.store.remember(session, where, now + REPLY_TTL_S, now, sealed)

    def prune(self, session: Session) -> int:
        """Delete expired counts and replies (the app does this every few seconds)."""
        now, _bucket, _into = self._now()
        return self.store.prune(session, now)
