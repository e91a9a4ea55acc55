"""The voicemail fallback's hand-over to the tellers' transcription queue.

A caller who would rather speak than key leaves a message reading out their
token and choices.  What reaches the tellers is the recording's reference
(Twilio's ``RecordingUrl``), never the caller ID, the CallSid or the time of
the call.  Tellers then key the message like a postal letter, twice.

Pending integration: the tellers' queue (postal batches) is being built
separately.  Until it registers a sink on the app (``app.state.voicemail_sink
= enqueue``, a :data:`VoicemailSink`), :func:`sink_of` returns None and the
phone line does not offer voicemail at all, even with
``BALLOTBOX_PHONE_VOICEMAIL=true``: nothing is recorded that nobody would
ever key, and nothing is written anywhere in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from ballotbox.config import Settings

# enqueue(session, election_slug or None when the call did not say, recording_url).
# It adds to the session; the phone webhook commits.
VoicemailSink = Callable[[Session, str | None, str], None]
TWILIO_RECORDING_PREFIX = "https://api.twilio.com/"
MAX_URL = 500


def sink_of(app_state: Any) -> VoicemailSink | None:
    """The tellers' queue registered on the app, if any."""
    sink = getattr(app_state, "voicemail_sink", None)
    return sink if callable(sink) else None


def offered(settings: Settings, app_state: Any) -> bool:
    """True when callers may leave a message: switched on and a queue to put it in."""
    return settings.phone_voicemail and sink_of(app_state) is not None


def is_recording_url(url: str) -> bool:
    """True for a plausible Twilio recording reference (the request is signed; this is hygiene)."""
    return url.startswith(TWILIO_RECORDING_PREFIX) and len(url) <= MAX_URL and url.isprintable()


def enqueue_voicemail(
    session: Session, sink: VoicemailSink, election_slug: str | None, recording_url: str
) -> None:
    """Put one recording's reference in the tellers' transcription queue."""
    sink(session, election_slug, recording_url)
