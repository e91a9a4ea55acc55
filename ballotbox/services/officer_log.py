"""The officer action log: every state-changing console (and account) action, by whom, when.

It names the actor, the action, the ballot's slug and a short detail chosen
by the caller (a count, a layout, the officer's stated reason).  It never
holds a token, a serial, a member or a choice, so it can be shown to
scrutineers; what changes a ballot is also in its hash chain, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from ballotbox.services.context import Context
from ballotbox.storage import repository_accounts
from ballotbox.storage.models_actions import OfficerAction
from ballotbox.storage.models_postal import Teller

COMMAND_LINE = "command line"


def record(
    session: Session,
    ctx: Context,
    actor: Teller | None,
    action: str,
    *,
    ballot: str | None = None,
    detail: str = "",
) -> None:
    """Append one action (``actor`` None: the officer at the command line)."""
    session.add(
        OfficerAction(
            at=ctx.clock.now(),
            actor=actor.username if actor is not None else COMMAND_LINE,
            action=action,
            slug=ballot,
            detail=detail[:300],
        )
    )


def entries(session: Session, ballot: str | None = None) -> Sequence[OfficerAction]:
    """The log, newest first."""
    return repository_accounts.officer_actions(session, ballot)
