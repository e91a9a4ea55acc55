"""The voicemail fallback's hand-over to the tellers' transcription queue.

A caller who would rather speak than key leaves a message reading out their
token and choices.  What reaches the tellers is the recording's reference
(Twilio's ``RecordingUrl``), never the caller ID, the CallSid or the time of
the call.  Tellers then key the message like a postal letter, twice.

The queue comes in through the service context (``ctx.voicemail_sink``, wired
once in ``ballotbox.wiring``).  A context without one means the phone line
does not offer voicemail at all, even with ``BALLOTBOX_PHONE_VOICEMAIL=true``:
nothing is recorded that nobody would ever key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import Response
from sqlmodel import Session

from ballotbox.adapters.httpkit.twilio import twiml
from ballotbox.adapters.phone import state
from ballotbox.config import Settings
from ballotbox.core.i18n import _
from ballotbox.services import Context
from ballotbox.services.context import VoicemailSink
from ballotbox.services.elections import definition_of, effective_state
from ballotbox.storage import repository
from ballotbox.storage.models import ElectionState

if TYPE_CHECKING:
    from ballotbox.adapters.phone.routes import Call

TWILIO_RECORDING_PREFIX = "https://api.twilio.com/"
MAX_URL = 500


def sink_of(ctx: Context) -> VoicemailSink | None:
    """The tellers' queue wired into the context, if any."""
    return ctx.voicemail_sink


def offered(settings: Settings, ctx: Context) -> bool:
    """True when callers may leave a message: switched on and a queue to put it in."""
    return settings.phone_voicemail and sink_of(ctx) is not None


def is_recording_url(url: str) -> bool:
    """True for a plausible Twilio recording reference (the request is signed; this is hygiene)."""
    return url.startswith(TWILIO_RECORDING_PREFIX) and len(url) <= MAX_URL and url.isprintable()


def enqueue_voicemail(
    session: Session,
    ctx: Context,
    sink: VoicemailSink,
    election_slug: str | None,
    recording_url: str,
) -> None:
    """Put one recording's reference in the tellers' queue (flushed; the request commits)."""
    sink(session, ctx, election_slug, recording_url)


def offer(call: Call, progress: state.CallState) -> Response:
    """Record a spoken message for the tellers."""
    prompt = _(
        "After the tone, please read out the token from your card, slowly, then your "
        "choices. Press hash when you have finished."
    )
    return twiml(call.script.record(call.url(progress.next(stage="voicemail")), prompt))


def recorded(call: Call, progress: state.CallState) -> Response:
    """The message was recorded: hand its reference, and nothing else, to the tellers."""
    url = call.params.get("RecordingUrl", "")
    sink = sink_of(call.ctx)
    if sink is None or not is_recording_url(url):
        call.script.say(_("Sorry, no message was recorded. Goodbye."))
        return twiml(call.script.hangup())
    now = call.ctx.clock.now()
    open_ = [
        e.slug for e in repository.elections(call.session)
        if effective_state(e, now) == ElectionState.OPEN
        and "phone" in definition_of(e).channels
    ]  # fmt: skip
    enqueue_voicemail(call.session, call.ctx, sink, open_[0] if len(open_) == 1 else None, url)
    call.script.say(_("Thank you. Your message will be keyed by the tellers. Goodbye."))
    return twiml(call.script.hangup())
