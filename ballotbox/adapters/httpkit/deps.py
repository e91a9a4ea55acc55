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

Declare a route's session as :data:`SessionDep` (or :data:`ReadSessionDep`),
never as a bare ``Depends(get_session)``: the scope is part of FastAPI's
per-request cache key, so two spellings would give one request two sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from ballotbox.choices import GivenChoices
from ballotbox.core.tokens.format import Token
from ballotbox.services import Context
from ballotbox.services.batching import Also
from ballotbox.services.casting import CastReceipt
from ballotbox.storage.db import writer

log = logging.getLogger("ballotbox.http")

# Where the request's session, its refusal and what it keeps live on ``request.state``.
_SESSION = "bb_session"
_REFUSED = "bb_refused"
_KEEP = "bb_keep"

Keep = Callable[[Session], None]


def get_context(request: Request) -> Context:
    """The app's service context (keys, clock, randomness, the tellers' queue)."""
    return request.app.state.context  # type: ignore[no-any-return]


def _transaction(request: Request, engine: Engine) -> Iterator[Session]:
    session = Session(engine, expire_on_commit=False)
    setattr(request.state, _SESSION, session)
    try:
        yield session
    except BaseException:
        session.rollback()
        _record_kept(request, session)
        raise
    else:
        if getattr(request.state, _REFUSED, False):
            session.rollback()
            _record_kept(request, session)
        else:
            session.commit()
    finally:
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    """The request's one transaction: committed when the route answers, rolled back on error.

    Requests that may write (anything but GET, HEAD and OPTIONS) take SQLite's
    write lock when the transaction begins, so writers queue instead of failing.
    """
    engine = request.app.state.engine
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        engine = writer(engine)
    yield from _transaction(request, engine)


def get_read_session(request: Request) -> Iterator[Session]:
    """The same transaction, but it never takes SQLite's write lock when it begins.

    For routes that read, then cast through the batcher: a request holding the
    write lock would stop the batcher from committing the very cast it waits for.
    """
    yield from _transaction(request, request.app.state.engine)


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


def _record_kept(request: Request, session: Session) -> None:
    """Commit what a refused request keeps, each in a transaction of its own.

    On a session that takes SQLite's write lock when each transaction begins
    (whatever the request's method): a keep that reads before it writes (the
    election a refused token belongs to) would otherwise fail to upgrade its
    read lock under load, and its count would be lost.
    """
    kept: list[Keep] = getattr(request.state, _KEEP, [])
    setattr(request.state, _KEEP, [])
    if not kept:
        return
    with Session(writer(request.app.state.engine), expire_on_commit=False) as writing:
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
ContextDep = Annotated[Context, Depends(get_context)]


class Caster(Protocol):
    """Casts a ballot and returns only once it is committed."""

    def __call__(
        self,
        token: Token | str,
        choices: GivenChoices,
        channel: str,
        *,
        election_slug: str | None = None,
        also: Also | None = None,
    ) -> CastReceipt: ...


def get_caster(request: Request) -> Caster:
    """The process's group-commit batcher (see ballotbox/services/batching.py)."""
    return request.app.state.batcher.submit  # type: ignore[no-any-return]


CasterDep = Annotated[Caster, Depends(get_caster)]
