"""What every command shares: settings, the database, the service context, output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from ballotbox.config import Settings, configure_logging, get_settings
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import N_
from ballotbox.services import Context
from ballotbox.services.elections import apply_all_due
from ballotbox.storage.db import make_engine, transaction
from ballotbox.storage.migrate import is_current

console = Console(highlight=False)


class NotInitialisedError(BallotboxError):
    code = "not_initialised"
    template = N_("The database at {url} is not set up (or is out of date). Run: ballotbox init")


class DatabaseUnavailableError(BallotboxError):
    code = "database_unavailable"
    template = N_("Cannot reach the database at {url}: {reason}")


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The engine for the configured database, checked to be at the newest schema."""
    eng = make_engine(settings().database_url)
    safe_url = eng.url.render_as_string(hide_password=True)
    try:
        current = is_current(eng)
    except OperationalError as exc:
        raise DatabaseUnavailableError(url=safe_url, reason=str(exc.orig).strip()) from None
    if not current:
        raise NotInitialisedError(url=safe_url)
    return eng


def context() -> Context:
    """The service context for this run (system clock, configured keys, the tellers' queue)."""
    from ballotbox.wiring import context_for

    return context_for(settings())


@contextmanager
def session(*, write: bool = True) -> Iterator[tuple[Session, Context]]:
    """One transaction for one command, after applying any due open/close.

    This is the CLI's one transaction owner, as the session dependency is the
    web's (``ballotbox/adapters/httpkit/deps.py``): the command's block commits
    when it ends normally and rolls back if it raises, so a refused command
    changes nothing; commands and services never commit, services only flush.
    Due opens and closes are applied and committed first, on their own, so a
    command that fails still leaves the schedule applied.  ``write=False``
    does not take SQLite's write lock, for commands that only read.
    """
    ctx = context()
    eng = engine()
    with transaction(eng) as s:
        apply_all_due(s, ctx)
    with transaction(eng, write=write) as s:
        yield s, ctx


def settings() -> Settings:
    """The configured settings; ballotbox's log lines go to stderr at their level."""
    config = get_settings()
    configure_logging(config.log_level)
    return config
