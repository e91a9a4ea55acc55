"""Engines and transactions.  One transaction per request or command.

SQLite is the embedded default, run in WAL mode with ``synchronous=FULL`` so an
acknowledged vote survives a crash or power cut.  Writers take the database
lock when their transaction begins (``BEGIN IMMEDIATE``), so two channels
casting at once queue instead of failing half-way.  PostgreSQL is the
production database; there ``cast()`` locks the rows it changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine

from ballotbox.storage import textguard  # noqa: F401  (refuses unstorable text before a flush)

SQLITE_BUSY_TIMEOUT_MS = 30_000
PING_AFTER_IDLE_S = 5.0
_IDLE_SINCE = "ballotbox_idle_since"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the durability and locking settings described above."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle for a while.

    A connection that went back to the pool moments ago was working then; a
    ping on every checkout (``pool_pre_ping``) would add a round trip to every
    transaction, the casts' included.  One idle longer than PING_AFTER_IDLE_S
    (the server may have restarted or dropped it meanwhile) is pinged, and
    replaced if dead.  A connection that dies while busy fails its transaction,
    which is rolled back and reported like any other failure.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        if not engine.dialect._do_ping_w_event(dbapi_connection):  # noqa: SLF001 - as pre_ping does
            raise DisconnectionError("the pooled connection was closed while idle")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine, but its transactions begin by taking SQLite's write lock."""
    if is_sqlite(engine):
        return _variant(engine, "writer", sqlite_immediate=True)
    return engine


def _variant(engine: Engine, name: str, **options: Any) -> Engine:
    """``engine`` with ``options``, made once per engine: every request asks for one, and
    each ``execution_options()`` call builds a new engine object (about 30 µs)."""
    made: dict[str, Engine] = engine.__dict__.setdefault("_ballotbox_variants", {})
    variant = made.get(name)
    if variant is None:
        variant = made[name] = engine.execution_options(**options)
    return variant


_READS_ONLY = "ballotbox_reads_only"


def refuse_writes(session: OrmSession) -> None:
    """Make ``session`` raise on any write: an insert, update or delete it executes, an object
    it would flush, a statement on the driver's cursor (:mod:`rawsql`) that is not a read.

    For sessions on :func:`reader`, whose statements commit one by one: a write
    there would be a bug that no rollback could undo."""
    session.info[_READS_ONLY] = True


def writes_refused(session: OrmSession) -> bool:
    """True for a session given to :func:`refuse_writes`."""
    return bool(session.info.get(_READS_ONLY))


@event.listens_for(Session, "do_orm_execute")
def _no_statement_writes(state: ORMExecuteState) -> None:
    if writes_refused(state.session) and (state.is_insert or state.is_update or state.is_delete):
        raise RuntimeError("a write through a session that only reads")


@event.listens_for(Session, "before_flush")
def _no_flushed_writes(session: OrmSession, _context: object, _instances: object) -> None:
    if writes_refused(session) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a write through a session that only reads")


def reader(engine: Engine) -> Engine:
    """The same engine for single reads outside any transaction.

    On PostgreSQL its connections run in autocommit: a read that needs no
    transaction costs one round trip, not three (BEGIN, the read, ROLLBACK).
    SQLite reads cost no round trip, and keep their own transactions.
    """
    if is_sqlite(engine):
        return engine
    return _variant(engine, "reader", isolation_level="AUTOCOMMIT")


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    session = Session(writer(engine) if write else engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def before_commit(
    session: Session, key: str, write: Callable[[Session, list[Any]], None]
) -> list[Any]:
    """A list kept in ``session``, handed to ``write`` just before its transaction commits.

    What a batch of casts adds row by row (the replies kept for retries, the
    texts' usage) is written in one statement at the end instead of one round
    trip a cast while the chain is locked.  A rollback of the whole transaction
    forgets the list: nothing is written for casts that were not recorded.
    """
    pending: list[Any] | None = session.info.get(key)
    if pending is None:
        pending = session.info[key] = []

        def flush(writing: Session) -> None:
            items = writing.info.pop(key, [])
            if items:
                write(writing, items)

        def drop(dropping: Session, previous: SessionTransaction) -> None:
            if previous.parent is None and not previous.nested:  # rolled back: never written
                dropping.info.pop(key, None)

        event.listen(session, "before_commit", flush, once=True)
        event.listen(session, "after_soft_rollback", drop)
    return pending
