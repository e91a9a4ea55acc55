"""Forgetting the order of voting: the ballot tables rewritten in key (hash) order.

While the poll is open, storage keeps rows roughly where they were written:
on SQLite a B-tree page fills its cell area from the end, so a page of ballots
holds them in reverse casting order, and the write-ahead log holds every
commit's pages one after another; on PostgreSQL the heap appends, and each
``UPDATE`` of a token's state writes a new row version at the end.  Once the
poll closes (and again at the count, after late letters), both are rewritten:

* **SQLite**: ``VACUUM`` copies every table and index into a fresh file in key
  order with no free pages left over, then ``wal_checkpoint(TRUNCATE)`` folds
  the log into the file and cuts the ``-wal`` file to nothing.
* **PostgreSQL**: ``CLUSTER`` rewrites ``ballot`` and ``ballot_token`` (and
  their indexes) in primary-key order into new files.

Neither can run inside the closing transaction (VACUUM is refused there;
CLUSTER would wait on casts that wait on the close), so the close registers
the rewrite to run right after it commits.  What this cannot reach, a copy
taken during the poll and the database server's own WAL archive, is set out
in docs/security.md.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text
from sqlmodel import Session

from ballotbox.storage.aftercommit import after_commit

log = logging.getLogger("ballotbox.storage")
KEY_ORDERED_TABLES = ("ballot", "ballot_token")


def rewrite_in_key_order(session: Session) -> None:
    """On PostgreSQL, rewrite the ballot tables in primary-key order inside this transaction.

    CLUSTER takes each table's strongest lock first, so it must come before the
    transaction touches the chain (the count does this before it logs its result).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in KEY_ORDERED_TABLES:
        session.execute(text(f'CLUSTER "{table}" USING "{table}_pkey"'))


def forget_order_after_commit(session: Session, *, postgresql: bool = True) -> None:
    """Once this transaction commits, rewrite storage so that it shows no order of voting.

    ``postgresql=False`` when the transaction has already clustered the tables itself.
    """
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    if bind.dialect.name == "postgresql" and not postgresql:
        return
    after_commit(session, ("forget-order",), lambda: forget_order(bind))


def forget_order(engine: Engine) -> None:
    """Rewrite the ballot tables in key order now, outside any transaction (see the module)."""
    if engine.dialect.name == "sqlite":
        _vacuum_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in KEY_ORDERED_TABLES:
                conn.execute(text(f'CLUSTER "{table}" USING "{table}_pkey"'))


def _vacuum_sqlite(engine: Engine) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")
        busy, _frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        raw.close()
    if busy:
        log.warning("the write-ahead log could not be truncated yet (a reader is still busy)")
