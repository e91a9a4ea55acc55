"""Group commit for ``cast()``: many concurrent casts, one transaction, one disk flush.

Every accepted ballot extends its election's hash chain, so casts must take
the chain head one after another.  Committed one at a time, each would hold
the head through its own fsync, and throughput would be the disk's flush rate.
Instead, request threads hand their casts to one batcher thread, which runs
whatever has queued up through :func:`cast_many` in a single transaction (every
check comes before any write, so a refused cast changes nothing and does not
disturb the others), then commits once.  Only after that commit does any caller get its receipt:
an acknowledged vote is always durable.  If the commit fails, every cast of
the batch is reported as not recorded.

A caster may hand in ``also``: it runs in the batch's transaction once its
cast is accepted, so whatever it writes (the SMS line's reply to Twilio's
retries) is committed exactly when the vote is.  If it fails, the batch does.

A batch is whatever arrived while the previous one was committing, and a
lone vote is never delayed.  Under a burst (the first cast of a batch arrives
within ``busy_window`` of the previous batch's end, and either that batch held
more than one cast or another is already waiting) the batcher lingers up to
``linger`` for more to come in before it starts, as PostgreSQL's own
``commit_delay`` does for its flushes: a batch costs about the same few
statements whatever its size, so two milliseconds' wait turns batches of two
or three into batches of eight or more, and the work per vote (and so every
vote's wait) falls.  One caster sending casts one after another (a teller
keying letters, a script) never waits: each of its batches holds one cast.

A caster may also name its ``source`` (a channel's kind of source and the
source, as :class:`ballotbox.services.guards.Guard` counts failures): before
the batch looks up any token, the failures of all its sources are read at once
(in the batch's own transaction), and a cast whose source has used up its
failures is refused with :class:`RateLimitedError` (a valid token never costs
its source anything).  A text's vote may also name the message it came in
(``retry_of``: Twilio's message id and its text): the batch first reads the
replies kept for those messages, in the same read for all of them, and a
message already answered (Twilio retrying it) gets :class:`AnsweredBefore`
with that reply instead of a second cast.

:meth:`CastBatcher.enqueue` hands a cast in and returns its future at once, so
an ``async`` route can await the receipt without holding a thread;
:meth:`CastBatcher.submit` waits for it.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from ballotbox.choices import CastChoices
from ballotbox.core.errors import BallotboxError, RateLimitedError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import Token
from ballotbox.services.casting import CastReceipt, CastRequest, cast_many
from ballotbox.services.context import Context
from ballotbox.services.guards import Guard
from ballotbox.storage.db import transaction

log = logging.getLogger("ballotbox.batching")
MAX_BATCH = 128
WAIT_S = 120.0
#: Under load, how long a batch waits for more casts before it starts (see the module's text).
LINGER_S = 0.002
#: A cast arriving this soon after the previous batch ended means casts are coming in faster
#: than about one every ten milliseconds: with company (see the module's text), a burst.
BUSY_WINDOW_S = 0.010


class NotRecordedError(BallotboxError):
    code = "not_recorded"
    template = N_(
        "Your vote could not be recorded because of a problem on our side. Please try again."
    )


#: Written in the cast's own transaction once the cast is accepted (given the receipt).
Also = Callable[[Session, CastReceipt], None]

#: Whose failures a cast is checked against first: (kind of source, source), as the guard counts.
Source = tuple[str, str]


def _settle(settle: Callable[[Any], None], value: Any) -> None:
    """Give a job its outcome, unless its caller gave up on it (a cancelled future)."""
    with contextlib.suppress(InvalidStateError):
        settle(value)


#: A text's message: (Twilio's ``MessageSid``, the text), whose kept reply answers a retry.
Message = tuple[str, str]


class AnsweredBefore(Exception):  # noqa: N818 - an answer, not a failure
    """The message of this cast was answered before (a retry): its reply, word for word."""

    def __init__(self, reply: str) -> None:
        super().__init__("answered before")
        self.reply = reply


@dataclass
class _Job:
    token: Token | str
    choices: CastChoices
    channel: str
    election_slug: str | None
    also: Also | None = None
    source: Source | None = None
    retry_of: Message | None = None
    future: Future[CastReceipt] = field(default_factory=Future)


class CastBatcher:
    """Runs casts for one process in batched transactions on a dedicated thread."""

    def __init__(
        self,
        engine: Engine,
        ctx: Context,
        max_batch: int = MAX_BATCH,
        *,
        guard: Guard | None = None,
        linger: float = LINGER_S,
        busy_window: float = BUSY_WINDOW_S,
    ) -> None:
        self.engine = engine
        self.ctx = ctx
        self.guard = guard
        self.max_batch = max_batch
        self.linger = linger
        self.busy_window = busy_window
        self._idle_since = float("-inf")  # when the last batch ended (monotonic seconds)
        self._last_size = 0  # how many casts the last batch held
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0
        self.casts = 0

    def start(self) -> None:
        """Start the batcher thread (idempotent)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="cast-batcher", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def submit(
        self,
        token: Token | str,
        choices: CastChoices,
        channel: str,
        *,
        election_slug: str | None = None,
        also: Also | None = None,
        source: Source | None = None,
        retry_of: Message | None = None,
    ) -> CastReceipt:
        """Cast and wait until the ballot is committed; raise the domain error if refused
        (or :class:`AnsweredBefore` for a message answered before: see ``retry_of``).

        ``choices``: contest key → choices, or a list on a ballot of one contest.
        """
        future = self.enqueue(
            token,
            choices,
            channel,
            election_slug=election_slug,
            also=also,
            source=source,
            retry_of=retry_of,
        )
        return future.result(timeout=WAIT_S)

    def enqueue(
        self,
        token: Token | str,
        choices: CastChoices,
        channel: str,
        *,
        election_slug: str | None = None,
        also: Also | None = None,
        source: Source | None = None,
        retry_of: Message | None = None,
    ) -> Future[CastReceipt]:
        """Hand a cast in; its future gets the receipt once committed, or the domain error.

        ``source``: refuse the cast, before its token is looked up, when that
        source has used up its failures (needs the batcher's ``guard``).
        ``retry_of``: the message this cast came in; if a reply to it was kept
        (the guard's), the future gets :class:`AnsweredBefore` and nothing is cast.
        """
        if (source is not None or retry_of is not None) and self.guard is None:
            raise ValueError("a cast checked against its source needs a batcher with a guard")
        self.start()
        copied: CastChoices
        if callable(choices):
            copied = choices  # read in the batch, from the token's definition
        else:
            copied = dict(choices) if isinstance(choices, Mapping) else list(choices)
        job = _Job(token, copied, channel, election_slug, also, source, retry_of)
        self._queue.put(job)
        return job.future

    def _take_batch(self, first: _Job) -> list[_Job]:
        """``first`` and what else has queued up; under load, what comes within the linger."""
        batch = [first]
        started = time.monotonic()
        company = self._last_size > 1 or not self._queue.empty()
        burst = company and started - self._idle_since < self.busy_window
        until = started + self.linger if burst else 0.0
        while len(batch) < self.max_batch:
            try:
                left = until - time.monotonic()
                job = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._queue.put(None)  # let the loop see the stop signal after this batch
                break
            batch.append(job)
        return batch

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = self._take_batch(first)
            self._run_batch(batch)
            self._last_size, self._idle_since = len(batch), time.monotonic()

    def _admitted(self, session: Session, batch: list[_Job]) -> list[_Job]:
        """The jobs to cast: not answered before, and whose sources may still fail.  The
        others get their kept reply or are refused (one read for each, for all the batch, in
        the batch's transaction: no connection of its own)."""
        batch = self._not_answered(session, batch)
        sources = {job.source for job in batch if job.source is not None}
        if not sources or self.guard is None:
            return batch
        limited = self.guard.limited(sources, session)
        admitted = []
        for job in batch:
            if job.source in limited:
                _settle(job.future.set_exception, RateLimitedError())
            else:
                admitted.append(job)
        return admitted

    def _not_answered(self, session: Session, batch: list[_Job]) -> list[_Job]:
        """The jobs whose messages have no kept reply; the others get it (a retry is answered
        as the first delivery was, before any limit or look-up, and never charged)."""
        messages = {job.retry_of for job in batch if job.retry_of is not None}
        if not messages or self.guard is None:
            return batch
        kept = self.guard.recall_many(messages, session)
        if not kept:
            return batch
        waiting = []
        for job in batch:
            reply = kept.get(job.retry_of) if job.retry_of is not None else None
            if reply is None:
                waiting.append(job)
            else:
                _settle(job.future.set_exception, AnsweredBefore(reply))
        return waiting

    def _run_batch(self, batch: list[_Job]) -> None:
        try:
            with transaction(self.engine) as session:
                batch = self._admitted(session, batch)
                requests = [
                    CastRequest(j.token, j.choices, j.channel, j.election_slug) for j in batch
                ]
                outcomes = cast_many(session, self.ctx, requests) if requests else []
                for job, outcome in zip(batch, outcomes, strict=True):
                    if job.also is not None and isinstance(outcome, CastReceipt):
                        job.also(session, outcome)
        except Exception:  # noqa: BLE001 - the batch failed or its commit did: nothing was recorded
            log.exception("a batch of %d casts could not be recorded", len(batch))
            for job in batch:  # a job refused for its source already has its answer: kept
                _settle(job.future.set_exception, NotRecordedError())
            return
        self.batches += 1
        self.casts += len(batch)
        for job, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BallotboxError):
                _settle(job.future.set_exception, outcome)
            else:
                _settle(job.future.set_result, outcome)
