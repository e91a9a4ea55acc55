"""The teller action log: every sign-in, batch, entry and adjudication, by teller.

``detail`` is always a fixed phrase chosen here, never anything keyed, so the
log can be shown to scrutineers without revealing a token or a vote.
"""

from __future__ import annotations

from sqlmodel import Session

from ballotbox.services import Context
from ballotbox.storage.models_postal import TellerAction


def record(
    session: Session,
    ctx: Context,
    teller_id: int | None,
    action: str,
    *,
    batch_id: int | None = None,
    letter: int | None = None,
    detail: str = "",
) -> None:
    """Append one action to the log (in the caller's transaction)."""
    session.add(
        TellerAction(
            at=ctx.clock.now(),
            teller_id=teller_id,
            action=action,
            batch_id=batch_id,
            letter_number=letter,
            detail=detail,
        )
    )
