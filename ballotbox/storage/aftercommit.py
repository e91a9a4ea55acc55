"""Work that must happen only once a transaction has committed, never if it rolls back.

Two things need it: rewriting the ballot tables in key order after the close
(SQLite's VACUUM cannot run inside a transaction, and PostgreSQL's CLUSTER
would deadlock with casts still holding row locks), and writing the
checkpoint witness outside the database (a witness of a head that was rolled
back would hold voting up for nothing).  Services register an action on the
session; it runs after the outermost commit, in registration order, and is
dropped on rollback.  A failing action is logged and never turns a committed
transaction into an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger("ballotbox.storage")
_PENDING = "ballotbox_after_commit"

Action = Callable[[], None]


def after_commit(session: Session, key: tuple[str, ...], action: Action) -> None:
    """Run ``action`` once ``session``'s transaction commits; a later action with the same key
    replaces an earlier one (so the last head of a chain wins)."""
    pending: dict[tuple[str, ...], Action] = session.info.setdefault(_PENDING, {})
    pending.pop(key, None)
    pending[key] = action


def pending(session: Session) -> list[tuple[str, ...]]:
    """The keys of the actions waiting for ``session`` to commit (for tests)."""
    return list(session.info.get(_PENDING, {}))


@event.listens_for(Session, "after_commit")
def _run(session: Session) -> None:
    actions: dict[tuple[str, ...], Action] = session.info.pop(_PENDING, {})
    for key, action in actions.items():
        try:
            action()
        except Exception:  # noqa: BLE001 - the transaction is committed; say so, never undo it
            log.warning("work after commit (%s) failed; it will be retried later", key[0])
            log.debug("after-commit failure", exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None and not previous.nested:
        session.info.pop(_PENDING, None)
