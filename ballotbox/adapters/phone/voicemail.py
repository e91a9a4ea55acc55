"""The voicemail fallback: which ballot the message is for, the recording, the hand-over.

A caller who would rather speak than key presses 0 then hash at the token
prompt.  With one ballot open on the line the message is for that ballot;
with several, the caller first hears a numbered menu of them (or keys the
token from the card, which names its ballot), so that they know which
ballot's choices to read out and the message is filed for it.  A wrong key
or silence repeats the menu; after three, the message is recorded anyway
and filed for every open ballot, where the tellers of the ballots it is not
for find its token refused: it is never dropped.  A recording that comes
back empty (Twilio then skips the ``action`` and runs the next verb) asks
again.

What reaches the tellers is the recording's reference (Twilio's
``RecordingUrl``), never the caller ID, the CallSid or the time of the call.
The queue comes in through the service context (``ctx.voicemail_sink``, wired
once in ``ballotbox.wiring``).  A context without one means the phone line
does not offer voicemail at all, even with ``BALLOTBOX_PHONE_VOICEMAIL=true``:
nothing is recorded that nobody would ever key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import Response
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import refuse
from ballotbox.adapters.httpkit.limits import failed
from ballotbox.adapters.httpkit.twilio import caller_source, twiml
from ballotbox.adapters.phone import keypad, state
from ballotbox.adapters.phone.script import spoken
from ballotbox.config import Settings
from ballotbox.core.errors import (
    BallotboxError,
    ElectionNotOpenError,
    RateLimitedError,
    TokenFormatError,
    UnknownTokenError,
)
from ballotbox.core.i18n import _
from ballotbox.services import Context
from ballotbox.services.casting import check_can_vote
from ballotbox.services.context import VoicemailSink
from ballotbox.services.elections import definition_of, effective_state
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState

if TYPE_CHECKING:
    from ballotbox.adapters.phone.routes import Call

TWILIO_RECORDING_PREFIX = "https://api.twilio.com/"
MAX_URL = 500
TRIES = 3
REPEAT = "0"
MENU_KEYS = 3  # more keys than this at the menu are a token


def sink_of(ctx: Context) -> VoicemailSink | None:
    """The tellers' queue wired into the context, if any."""
    return ctx.voicemail_sink


def offered(settings: Settings, ctx: Context) -> bool:
    """True when callers may leave a message: switched on and a queue to put it in."""
    return settings.phone_voicemail and sink_of(ctx) is not None


def is_recording_url(url: str) -> bool:
    """True for a plausible Twilio recording reference (the request is signed; this is hygiene)."""
    return url.startswith(TWILIO_RECORDING_PREFIX) and len(url) <= MAX_URL and url.isprintable()


def open_ballots(session: Session, ctx: Context) -> list[Election]:
    """The ballots a message can be for now: open and voted by phone, in the line's order."""
    now = ctx.clock.now()
    return [
        e for e in repository.elections(session)
        if effective_state(e, now) == ElectionState.OPEN and "phone" in definition_of(e).channels
    ]  # fmt: skip


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
    """0 then hash at the token prompt: straight to the tone, or first which ballot."""
    ballots = open_ballots(call.session, call.ctx)
    if not ballots:  # closed while the caller listened
        call.script.say(spoken(ElectionNotOpenError())).say(_("Goodbye."))
        return twiml(call.script.hangup())
    if len(ballots) == 1:
        return record_prompt(call, progress.next(stage="record", election=ballots[0].slug))
    progress = progress.next(stage="ballot", menu=[e.slug for e in ballots])
    return menu(call, progress)


def menu(call: Call, progress: state.CallState) -> Response:
    """Which ballot the message is for: a number for each, or the token from the card."""
    titles = _titles(call, progress.menu)
    lines = [_("Which ballot is your message for?")]
    lines += [
        _("For {title}, press {number} then hash.").format(title=title, number=number)
        for number, title in enumerate(titles, start=1)
    ]
    lines.append(_("If you are not sure, key the token from your card instead, then press hash."))
    return twiml(call.script.gather(call.url(progress), " ".join(lines)))


def choose(call: Call, progress: state.CallState, keys: str) -> Response:
    """The caller answered the menu: a ballot's number, the token, 0 to hear it again."""
    keys = keys.strip()
    if keys == REPEAT:
        return menu(call, progress)
    if len(keys) > MENU_KEYS:
        return _by_token(call, progress, keys)
    if keys.isascii() and keys.isdigit() and 1 <= int(keys) <= len(progress.menu):
        return record_prompt(
            call, progress.next(stage="record", election=progress.menu[int(keys) - 1])
        )
    if not keys:
        why = _("I did not hear a key.")
    elif keys.isascii() and keys.isdigit():
        why = _("There is no ballot number {number}.").format(number=int(keys))
    else:
        why = _("Please use only the number keys.")
    return _again(call, progress, why)


def _again(call: Call, progress: state.CallState, why: str) -> Response:
    """Repeat the menu; after three tries, take the message anyway (filed for every ballot)."""
    progress = progress.next(tries=progress.tries + 1)
    call.script.say(why)
    if progress.tries >= TRIES:
        call.script.say(
            _(
                "I will take your message anyway, and the tellers will find its ballot "
                "from your token."
            )
        )
        return record_prompt(call, progress.next(stage="record", election=""))
    return menu(call, progress)


def _by_token(call: Call, progress: state.CallState, keys: str) -> Response:
    """A token keyed at the menu: its ballot, with the same checks and limits as voting."""
    caller = caller_source(call.params)
    try:
        call.guard.check("phone", caller, call.session)
        election = check_can_vote(call.session, call.ctx, keypad.read_token(keys), "phone")
    except RateLimitedError as error:
        return twiml(call.script.say(spoken(error)).hangup())
    except (TokenFormatError, UnknownTokenError) as error:
        unknown = isinstance(error, UnknownTokenError)
        refuse(call.request, keep=failed(call.request, "phone", caller, unknown_token=unknown))
        return _again(call, progress, spoken(error))
    except BallotboxError as error:  # used, void, not by phone: no message could count
        refuse(call.request)
        return twiml(call.script.say(spoken(error)).say(_("Goodbye.")).hangup())
    return record_prompt(call, progress.next(stage="record", election=election.slug))


def record_prompt(call: Call, progress: state.CallState) -> Response:
    """Say which ballot (when known) and how to leave the message; record it after the tone."""
    if progress.election:
        title = _titles(call, [progress.election])[0]
        call.script.say(_("Your message is for {title}.").format(title=title))
    prompt = _(
        "After the tone, please read out the token from your card, slowly, then your "
        "choices. Press hash when you have finished."
    )
    silent = call.url(progress.next(tries=progress.tries + 1))  # an empty recording comes here
    return twiml(call.script.record(call.url(progress.next(stage="voicemail")), prompt, silent))


def silent(call: Call, progress: state.CallState) -> Response:
    """The recording came back empty: ask again, or after three say how to call back."""
    if progress.tries >= TRIES:
        call.script.say(
            _("No message was recorded. Please call again when you are ready. Goodbye.")
        )
        return twiml(call.script.hangup())
    call.script.say(_("I did not hear a message. Let's try again."))
    return record_prompt(call, progress)


def recorded(call: Call, progress: state.CallState) -> Response:
    """The message was recorded: hand its reference, and nothing else, to the tellers."""
    url = call.params.get("RecordingUrl", "")
    sink = sink_of(call.ctx)
    if sink is None or not is_recording_url(url):
        call.script.say(_("Sorry, no message was recorded. Goodbye."))
        return twiml(call.script.hangup())
    enqueue_voicemail(call.session, call.ctx, sink, progress.election or None, url)
    if progress.election:
        title = _titles(call, [progress.election])[0]
        call.script.say(
            _("Thank you. Your message for {title} will be keyed by the tellers. Goodbye.").format(
                title=title
            )
        )
    else:
        call.script.say(_("Thank you. Your message will be keyed by the tellers. Goodbye."))
    return twiml(call.script.hangup())


def _titles(call: Call, slugs: list[str]) -> list[str]:
    """The ballots' titles as the caller hears them."""
    return [repository.election_by_slug(call.session, slug).title for slug in slugs]
