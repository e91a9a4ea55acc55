"""What services need from outside: keys, the clock and randomness, injected.

The context also carries the hand-offs between channels that a service must
not find by import side effects: who holds ballots received before the close
that may still be cast after it (the postal and voicemail queue), and where
the phone line files a spoken message.  Composition (``ballotbox.wiring``)
fills them in, once, for the app, the CLI and the demo.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ballotbox.config import Settings
from ballotbox.core.clock import Clock, SystemClock
from ballotbox.storage.keys import KeyStore

if TYPE_CHECKING:
    from sqlmodel import Session

    from ballotbox.storage.models import Election

# Items of ``election`` received in time but not yet resolved (letters in the tellers' hands).
LateArrivals = Callable[["Session", "Election"], int]
# file(session, ctx, election slug or None when the call did not say, recording reference).
VoicemailSink = Callable[["Session", "Context", str | None, str], None]


@dataclass
class Context:
    """The adapters a service call uses; tests and the demo swap in their own.

    ``late_arrivals`` has no default: a context that forgot the postal queue
    would close elections committing to no late letters, and letters posted in
    time would then be refused.  ``voicemail_sink`` None means the phone line
    offers no voicemail.
    """

    settings: Settings
    keys: KeyStore
    clock: Clock = field(default_factory=SystemClock)
    random_bytes: Callable[[int], bytes] = secrets.token_bytes
    randbelow: Callable[[int], int] = secrets.randbelow
    late_arrivals: Sequence[LateArrivals] = field(kw_only=True)
    voicemail_sink: VoicemailSink | None = field(default=None, kw_only=True)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        *,
        late_arrivals: Sequence[LateArrivals],
        voicemail_sink: VoicemailSink | None = None,
    ) -> Context:
        """A context for ``settings`` with the given hand-offs (see ``ballotbox.wiring``)."""
        return cls(
            settings=settings,
            keys=KeyStore(settings.key_dir),
            clock=clock or SystemClock(),
            late_arrivals=tuple(late_arrivals),
            voicemail_sink=voicemail_sink,
        )
