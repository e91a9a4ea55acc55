"""The statements every cast, text and ballot page runs, sent on the driver's own cursor.

Through SQLAlchemy each statement costs about 0.2 to 0.3 ms of Python before
it reaches the database (compiling or finding the compiled form, expanding
``IN`` lists, building result rows and ORM objects); on the driver's cursor a
short statement costs about 0.1 ms.  So the statements every cast, text or
ballot page runs are plain SQL through :func:`execute`, one text per database,
in the transaction the caller's session has begun: in a batch, the failure
limits of its sources, the locked token rows, the locked head and the append,
the kept replies and the texts' usage; before a ballot page, the limits,
the token look-up and "is voting on hold?"; before a text that does not vote, the retry
look-up (a vote's is in its batch).
Everything else keeps to the ORM.

A statement is written once, with SQLite's ``?`` placeholders; on PostgreSQL
:func:`execute` hands psycopg the same text with ``%s`` instead.  A statement
only PostgreSQL runs may use psycopg's named ``%(name)s`` (and no ``?``).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from ballotbox.storage.db import writes_refused


def execute(bind: Session | Connection, sql: str, params: Any) -> Any:
    """Run ``sql`` on a driver cursor in ``bind``'s transaction (a session's: begun if it was
    not) and return the cursor.  As through the ORM, what the session holds unwritten is
    flushed first (autoflush); listeners to SQLAlchemy's ``before_cursor_execute`` still
    see the statement, as they see every other."""
    if isinstance(bind, Session):
        if writes_refused(bind) and not sql.lstrip().upper().startswith("SELECT"):
            raise RuntimeError("a write through a session that only reads")
        if bind.autoflush:
            bind.flush()  # nothing to do, and cheap, when nothing is pending
    connection = bind.connection() if isinstance(bind, Session) else bind
    if connection.dialect.name == "postgresql":
        sql = _psycopg(sql)
    cur = connection.connection.cursor()
    connection.dispatch.before_cursor_execute(connection, cur, sql, params, None, False)
    cur.execute(sql, params)
    return cur


@functools.lru_cache(maxsize=256)
def _psycopg(sql: str) -> str:
    """``sql`` with psycopg's ``%s`` for each ``?`` (the statements here hold no other ``?``)."""
    return sql.replace("?", "%s")


def _dialect(bind: Session | Connection) -> Any:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect


def on_postgresql(bind: Session | Connection) -> bool:
    """True when ``bind`` talks to PostgreSQL (else SQLite)."""
    return _dialect(bind).name == "postgresql"  # type: ignore[no-any-return]


def driver_errors(bind: Session | Connection) -> Any:
    """The driver's DB-API module, whose exception classes a raw statement raises."""
    return _dialect(bind).dbapi


def placeholders(count: int) -> str:
    """``?, ?, ...`` for an ``IN`` list of ``count`` values."""
    return ", ".join("?" * count)


def rows(count: int, width: int) -> str:
    """``(?, ?), (?, ?), ...``: the ``VALUES`` of ``count`` rows of ``width`` columns."""
    return ", ".join([f"({placeholders(width)})"] * count)
