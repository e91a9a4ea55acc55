"""Wiring for a real run: the one place the app, the CLI and the demo get their service context.

Rules that join two services are passed in, never registered by importing a
module: the postal and voicemail queue tells the close how many ballots
received in time may still be cast after it (so the chain's ``closed`` entry
commits to the same number whatever was imported first), and the phone line
files spoken messages in that queue.  Tests build their context here too, so
they run what production runs.
"""

from __future__ import annotations

from ballotbox.config import Settings
from ballotbox.core.clock import Clock
from ballotbox.services import Context
from ballotbox.services.postal.reconcile import letters_in_hand
from ballotbox.services.postal.voicemail import file_message


def context_for(settings: Settings, clock: Clock | None = None) -> Context:
    """The service context for ``settings``: keys, the clock, and the tellers' queue wired in."""
    return Context.from_settings(
        settings, clock, late_arrivals=(letters_in_hand,), voicemail_sink=file_message
    )
