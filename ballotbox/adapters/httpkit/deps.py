"""Request dependencies: the database session, the service context, the caster.

Transactions have one owner per request: the session dependency.  It opens
the request's transaction and ends it after the route has answered but
before the answer is sent (``scope="function"``): it commits when the route
returned normally, and rolls back when the route raised or called
:func:`refuse` (every error page does, so an error page never leaves half a
change behind).  Routes and services never commit or roll back; services
only flush.  Two kinds of write live outside that transaction:

* casts, which the group-commit batcher (``ballotbox/services/batching.py``)
  commits in its own transaction before it hands back the receipt, so a
  receipt is never shown for a vote that is not yet durable;
* what a refused request must still record (a rejected-attempt counter, for
  the live audit page): :func:`refuse` takes it as ``keep``, and the
  dependency commits it on its own after the rollback.  Failing to record it
  is logged, never shown.

The dependencies are ``async``: one that only reads ``app.state`` would
otherwise take a thread-pool thread per request, and a session that the route
never used ends without one.  An ``async`` route casts through
:func:`cast_waiting` (no thread held while the batch commits) and keeps what a
refusal must record with :func:`keep_refused`.

Declare a route's session as :data:`SessionDep` (or :data:`ReadSessionDep`),
never as a bare ``Depends(get_session)``: the scope is part of FastAPI's
per-request cache key, so two spellings would give one request two sessions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Protocol

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ballotbox.choices import CastChoices
from ballotbox.core.tokens.format import Token
from ballotbox.services import Context
from ballotbox.services.batching import WAIT_S, Also, Message, Source
from ballotbox.services.casting import CastReceipt
from ballotbox.storage.db import reader, refuse_writes, writer

log = logging.getLogger("ballotbox.http")

# Where the request's session, its refusal and what it keeps live on ``request.state``.
_SESSION = "bb_session"
_REFUSED = "bb_refused"
_KEEP = "bb_keep"

Keep = Callable[[Session], None]


def get_context(request: Request) -> Context:
    """The app's service context (keys, clock, randomness, the tellers' queue)."""
    return request.app.state.context  # type: ignore[no-any-return]


@asynccontextmanager
async def _transaction(
    request: Request, engine: Engine, *, reads_only: bool = False
) -> AsyncIterator[Session]:
    # An async dependency, so a request that never touches its session (a cast through the
    # batcher that is accepted) costs no thread; ending a transaction that did begin
    # (which may wait for the database) runs in the thread pool.
    session = Session(engine, expire_on_commit=False)
    if reads_only:
        refuse_writes(session)
    setattr(request.state, _SESSION, session)
    try:
        yield session
    except BaseException:
        await _end(request, session, commit=False)
        raise
    else:
        await _end(request, session, commit=not getattr(request.state, _REFUSED, False))


async def _end(request: Request, session: Session, *, commit: bool) -> None:
    """Commit (``commit``) or roll back and keep what a refusal keeps; then close."""
    if not session.in_transaction() and not getattr(request.state, _KEEP, []):
        session.close()  # nothing begun, nothing to keep: no connection to give back
        return
    # Not through the shared thread pool's limit (as FastAPI ends sync dependencies): when
    # every pool thread is a route waiting for a pooled connection, the connection this
    # ends must still be given back.
    await anyio.to_thread.run_sync(
        _finish, request, session, commit, limiter=anyio.CapacityLimiter(1)
    )


def _finish(request: Request, session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
            _record_kept(request, session)
    finally:
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one transaction: committed when the route answers, rolled back on error.

    Requests that may write (anything but GET, HEAD and OPTIONS) take SQLite's
    write lock when the transaction begins, so writers queue instead of failing.
    """
    engine = request.app.state.engine
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        engine = writer(engine)
    async with _transaction(request, engine) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for a route that only reads (and may cast through the batcher).

    It never takes SQLite's write lock: a request holding it would stop the
    batcher from committing the very cast it waits for.  On PostgreSQL its
    statements run in autocommit (:func:`ballotbox.storage.db.reader`): each
    sees what is committed when it runs, as it would inside a READ COMMITTED
    transaction, without the round trips that begin and end one.  So nothing
    may be written through it (:func:`ballotbox.storage.db.refuse_writes`):
    what a refusal keeps goes through :func:`refuse`, which commits it on a
    session of its own.
    """
    engine = reader(request.app.state.engine)
    async with _transaction(request, engine, reads_only=True) as session:
        yield session


def end_reads(session: Session) -> None:
    """End the transaction a route has only read in, before it waits (for its batch to
    commit): its connection goes back to the pool and no transaction stays open meanwhile.
    The session may still begin another; the request's end then finishes that one."""
    session.commit()


def refuse(request: Request, keep: Keep | None = None) -> None:
    """This request failed: undo its changes now, and commit none of them later.

    The route then shows its error page from the state as it was before the
    request.  ``keep`` is recorded all the same, in a transaction of its own
    after the rollback (on a session of its own that writes: see _record_kept).
    """
    setattr(request.state, _REFUSED, True)
    session: Session | None = getattr(request.state, _SESSION, None)
    if keep is not None:
        if session is None:
            raise RuntimeError("refuse(keep=...) needs a route that takes a SessionDep")
        kept: list[Keep] = getattr(request.state, _KEEP, [])
        kept.append(keep)
        setattr(request.state, _KEEP, kept)
    if session is not None:
        session.rollback()


async def keep_refused(request: Request, keep: Keep) -> None:
    """For an ``async`` route without a session: commit what its refusal keeps, now.

    In a transaction of its own, in the thread pool, before the route answers
    (so a delay the record asks for still holds the answer back).
    """
    await run_in_threadpool(_commit_kept, request.app.state.engine, [keep])


def _record_kept(request: Request, session: Session) -> None:
    """Commit what a refused request keeps (see _commit_kept)."""
    kept: list[Keep] = getattr(request.state, _KEEP, [])
    setattr(request.state, _KEEP, [])
    _commit_kept(request.app.state.engine, kept)


def _commit_kept(engine: Engine, kept: list[Keep]) -> None:
    """Commit each record in a transaction of its own; a failure is logged, never raised.

    On a session that takes SQLite's write lock when each transaction begins
    (whatever the request's method): a keep that reads before it writes (the
    election a refused token belongs to) would otherwise fail to upgrade its
    read lock under load, and its count would be lost.
    """
    if not kept:
        return
    with Session(writer(engine), expire_on_commit=False) as writing:
        for keep in kept:
            try:
                keep(writing)
                writing.commit()
            except Exception as exc:  # noqa: BLE001 - a record must never turn a clear error into a 500
                writing.rollback()
                log.warning("a refused request could not keep its record (%s)", type(exc).__name__)


#: Route parameter types: ``session: SessionDep`` and ``ctx: ContextDep`` in every adapter.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


async def _context(request: Request) -> Context:
    return get_context(request)  # async: a dependency that only reads app.state takes no thread


ContextDep = Annotated[Context, Depends(_context)]


class Caster(Protocol):
    """Casts a ballot and returns only once it is committed."""

    def __call__(
        self,
        token: Token | str,
        choices: CastChoices,
        channel: str,
        *,
        election_slug: str | None = None,
        also: Also | None = None,
        source: Source | None = None,
        retry_of: Message | None = None,
    ) -> CastReceipt: ...


def get_caster(request: Request) -> Caster:
    """The process's group-commit batcher (see ballotbox/services/batching.py)."""
    return request.app.state.batcher.submit  # type: ignore[no-any-return]


async def _caster(request: Request) -> Caster:
    return get_caster(request)


CasterDep = Annotated[Caster, Depends(_caster)]


async def cast_waiting(
    request: Request,
    token: Token | str,
    choices: CastChoices,
    channel: str,
    *,
    election_slug: str | None = None,
    source: Source | None = None,
) -> CastReceipt:
    """Cast through the batcher from an ``async`` route: no thread is held while it commits.

    Returns once the ballot is committed (or raises its domain error), as the caster does.
    """
    async with _in_flight(request):
        return await _cast(request, token, choices, channel, election_slug, source)


#: Casts one process awaits at once, as many as the thread pool ran when the routes took a
#: thread each: it bounds how far a source can overshoot its limit (docs/security.md).
IN_FLIGHT = 40


def _in_flight(request: Request) -> asyncio.Semaphore:
    """The app's gate in this event loop (a semaphore belongs to the loop it waits in)."""
    state, loop = request.app.state, asyncio.get_running_loop()
    gate: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None
    gate = getattr(state, "cast_gate", None)
    if gate is None or gate[0] is not loop:
        gate = state.cast_gate = (loop, asyncio.Semaphore(IN_FLIGHT))
    return gate[1]


async def _cast(
    request: Request,
    token: Token | str,
    choices: CastChoices,
    channel: str,
    election_slug: str | None,
    source: Source | None,
) -> CastReceipt:
    future = request.app.state.batcher.enqueue(
        token, choices, channel, election_slug=election_slug, source=source
    )
    # Shielded: a request cancelled while it waits must not cancel the job the batcher holds
    # (the vote may be committing); its answer is then simply dropped.
    return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), WAIT_S)
