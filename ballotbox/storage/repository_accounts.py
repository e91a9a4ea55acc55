"""Queries for the sign-in throttle and the officer action log (services call these)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, delete, select

from ballotbox.storage.models_accounts import LoginThrottle
from ballotbox.storage.models_actions import OfficerAction


def throttle(session: Session, username: str, source: str) -> LoginThrottle | None:
    """The failure count for this account from this source, if any."""
    return session.get(LoginThrottle, (username, source))


def throttles_of(session: Session, username: str) -> Sequence[LoginThrottle]:
    """Every source's failure count for this account."""
    return session.exec(select(LoginThrottle).where(LoginThrottle.username == username)).all()


def forget_throttles(session: Session, username: str) -> int:
    """Delete this account's failure counts (all sources); returns how many were locked."""
    rows = throttles_of(session, username)
    locked = sum(1 for row in rows if row.locked_until is not None)
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.username) == username))
    return locked


def forget_stale_throttles(session: Session, before: datetime) -> None:
    """Delete failure counts whose last failure is older than ``before``."""
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.last_failure) < before))


def officer_actions(
    session: Session, ballot: str | None = None, limit: int = 500
) -> Sequence[OfficerAction]:
    """The officer log, newest first (one ballot's, or everything)."""
    query = select(OfficerAction).order_by(col(OfficerAction.id).desc()).limit(limit)
    if ballot is not None:
        query = query.where(OfficerAction.slug == ballot)
    return session.exec(query).all()
