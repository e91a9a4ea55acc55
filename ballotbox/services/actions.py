"""The officer action log: who did what, when and why, for the officers' accountability.

Every state-changing officer action that is not already a chain event goes
here (merging or removing a member, editing or deleting a draft, a scheduled
opening that was refused).  The CLI records its actor as ``cli:<login>``;
the officer console records the signed-in officer.  Nothing here ever holds a
token, and no entry links a member to a card.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session

from ballotbox.storage import repository_admin
from ballotbox.storage.models_actions import OfficerAction


def record_action(
    session: Session,
    actor: str,
    action: str,
    slug: str | None,
    detail: str,
    *,
    at: datetime | None = None,
) -> OfficerAction:
    """Append one action to the officer action log (``at`` defaults to now, UTC)."""
    moment = at if at is not None else datetime.now(UTC)
    entry = repository_admin.add_action(
        session, moment, actor.strip()[:100], action[:40], slug, detail
    )
    session.flush()
    return entry


def action_log(
    session: Session, slug: str | None = None, action: str | None = None
) -> Sequence[OfficerAction]:
    """The officer action log, oldest first (optionally one ballot's, one kind of action)."""
    return repository_admin.actions(session, slug, action)
