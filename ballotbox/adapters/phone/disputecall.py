"""Reporting a wrong vote by phone, after a check: with the receipt code keyed on the keypad.

A receipt code has letters, and a keypad has three or four letters on a key,
so the caller keys the code one key per symbol: a digit on its own key, a
letter on the key that carries it (A, B or C on 2 … W, X, Y or Z on 9), as
when texting on an old phone.  Eight keys do not spell one code, but the
code is only ever compared with one code, the published vote's: the keys
match its code, or they do not (a different code has the same keys about
once in 16.8 million).  The keys are read back with whether they match, and
the report is sent only on 1 — silence never sends one.  It is stored like
every report, with the keys as given and no caller number or time of day
(:func:`ballotbox.services.disputes.report_dispute`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import Response

from ballotbox.adapters.httpkit.deps import refuse
from ballotbox.adapters.httpkit.twilio import twiml
from ballotbox.adapters.phone import state
from ballotbox.adapters.phone.script import spoken
from ballotbox.core.audit.receipts import CODE_LENGTH, KEYPAD
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import _
from ballotbox.services.checking import check_vote
from ballotbox.services.disputes import keys_match, report_dispute

if TYPE_CHECKING:
    from ballotbox.adapters.phone.routes import Call

STAGES = ("dispute", "dispute_confirm")
TRIES = 3
SEND, AGAIN = "1", "2"


def ask_code(call: Call, progress: state.CallState) -> Response:
    """Ask for the receipt code, one key per letter or digit (or hash alone: none)."""
    prompt = _(
        "To report it, key the receipt code you were given when you voted, then press hash. "
        "For a digit, press that digit. For a letter, press the key with that letter on it: "
        "for A, B or C, press 2. If you have no receipt code, press hash alone."
    )
    return twiml(call.script.gather(call.url(progress.next(stage="dispute", code="")), prompt))


def answer(call: Call, progress: state.CallState, keys: str) -> Response:
    """The caller keyed the code (stage ``dispute``) or answered its read-back."""
    if progress.stage == "dispute":
        return _keyed(call, progress, keys.strip())
    return _confirmed(call, progress, keys)


def _keyed(call: Call, progress: state.CallState, keys: str) -> Response:
    """Keys for the code: read them back, or say what is wrong and ask again."""
    if keys and (len(keys) != CODE_LENGTH or any(key not in KEYPAD for key in keys)):
        progress = progress.next(tries=progress.tries + 1)
        if any(key not in KEYPAD for key in keys):
            call.script.say(_("A receipt code uses only the keys 2 to 9."))
        else:
            call.script.say(
                _("That was {found} keys, but a receipt code has {expected}.").format(
                    found=len(keys), expected=CODE_LENGTH
                )
            )
        if progress.tries >= TRIES:
            return _not_sent(call)
        return ask_code(call, progress)
    return read_back(call, progress.next(stage="dispute_confirm", code=keys))


def read_back(call: Call, progress: state.CallState) -> Response:
    """The keys said back, whether they are the published vote's code, and 1 to send."""
    if progress.code:
        call.script.say(_("You pressed: {keys}.").format(keys=", ".join(progress.code)))
        vote = check_vote(call.session, call.ctx, progress.token, progress.election)
        if keys_match(vote, progress.code):
            call.script.say(_("These keys match the receipt code of the published vote."))
        else:
            call.script.say(_("These keys do not match the receipt code of the published vote."))
        prompt = _("Press 1 to send your report with this code, or 2 to key the code again.")
    else:
        call.script.say(_("You gave no receipt code."))
        prompt = _("Press 1 to send your report without a code, or 2 to key the code.")
    return twiml(call.script.gather(call.url(progress), prompt, num_digits=1))


def _confirmed(call: Call, progress: state.CallState, keys: str) -> Response:
    """1 sends the report; 2 keys the code again; anything else or silence asks again."""
    if keys == SEND:
        return _send(call, progress)
    if keys == AGAIN:
        return ask_code(call, progress)
    progress = progress.next(tries=progress.tries + 1)
    if progress.tries >= TRIES:
        return _not_sent(call)
    call.script.say(_("I did not hear 1 or 2.") if not keys else _("That was not 1 or 2."))
    return read_back(call, progress)


def _send(call: Call, progress: state.CallState) -> Response:
    """Record the report about the checked token: no number, no time of day."""
    try:
        report_dispute(call.session, call.ctx, progress.token, channel="phone",
                       keys=progress.code, election_slug=progress.election)  # fmt: skip
    except BallotboxError as error:
        refuse(call.request)
        return twiml(call.script.say(spoken(error)).say(_("Goodbye.")).hangup())
    call.script.say(
        _(
            "Your report has been recorded, without your phone number, and is counted on the "
            "audit page. Thank you. Goodbye."
        )
    )
    return twiml(call.script.hangup())


def _not_sent(call: Call) -> Response:
    """Three tries without an answer: nothing is sent, and the caller is told how to report."""
    call.script.say(
        _(
            "Your report has not been sent. To report it, please call this number again and "
            "key your token. Goodbye."
        )
    )
    return twiml(call.script.hangup())
