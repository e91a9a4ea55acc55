"""Postal (and voicemail) ballots: tellers key letters twice, agreeing entries go to ``cast()``.

Modules: ``roles`` (who may do what), ``matching`` (reading and comparing
entries), ``sealing`` (entries encrypted at rest), ``queries`` (every postal
query), ``accounts`` (tellers, passwords, sessions, lockout), ``batches``,
``keying`` (double entry and adjudication), ``reconcile``, ``voicemail``,
``bulk`` (CSV import), ``pages`` (the teller console).  docs/postal.md
explains what is kept, for how long and why.
"""

from sqlmodel import Session

from ballotbox.services.elections import register_late_arrivals
from ballotbox.services.postal.queries import pending_count
from ballotbox.storage.models import Election


def _letters_in_hand(session: Session, election: Election) -> int:
    """Letters and messages received before the close and not yet resolved."""
    assert election.id is not None
    return pending_count(session, election.id)


# At the close, the chain commits to how many letters may still be keyed and cast.
register_late_arrivals(_letters_in_hand)
