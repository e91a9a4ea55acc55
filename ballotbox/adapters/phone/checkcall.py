"""Checking a vote by phone, once the ballot is published: hear it, hear it again, report it.

A caller who keys a token of a published ballot hears what is recorded for
it (every contest: the candidates in order, or the answer; or that no vote
was recorded, or the card was cancelled) and the receipt code spelt with the
phonetic alphabet.  Then: 1 hears it all again, 9 reports that it is not the
vote cast (a dispute with the receipt code keyed on the keypad, stored without
the caller's number: :mod:`ballotbox.adapters.phone.disputecall`), anything
else or silence repeats the choice a few times and says goodbye.  Nothing about the
call is stored or logged; the token travels only in the sealed call state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.responses import Response

from ballotbox.adapters.httpkit.twilio import twiml
from ballotbox.adapters.phone import disputecall, state
from ballotbox.adapters.phone.script import ordinal
from ballotbox.core.i18n import _
from ballotbox.core.phonetic import spell
from ballotbox.core.vocabulary import RANKED_METHODS
from ballotbox.services.checking import CheckedVote, RecordedContest, check_vote

if TYPE_CHECKING:
    from ballotbox.adapters.phone.routes import Call

TRIES = 3
AGAIN, REPORT = "1", "9"


def contest_sentence(contest: RecordedContest, *, several: bool) -> str:
    """One contest of a recorded vote as it is said."""
    names = contest.names
    if not names:
        said = _("left blank")
    elif contest.is_referendum:
        said = _("the answer {answer}").format(answer=names[0])
    elif contest.method in RANKED_METHODS:
        said = "; ".join(
            _("{nth}, {name}").format(nth=ordinal(i), name=name)
            for i, name in enumerate(names, start=1)
        )
    else:
        said = "; ".join(names)
    if several:
        return _("Contest {key}, {title}: {said}.").format(
            key=contest.key, title=contest.title, said=said
        )
    return _("The recorded vote is: {said}.").format(said=said)


def read_vote(call: Call, progress: state.CallState, vote: CheckedVote) -> Response:
    """Say the recorded vote and offer to repeat it or report it."""
    call.script.say(
        _("This is the check for the token ending {last}, in {title}.").format(
            last=", ".join(vote.token.digits[-4:]), title=vote.title
        )
    )
    if vote.status == "void":
        call.script.say(_("This card was cancelled before voting opened. No vote was recorded."))
    elif vote.status == "unused":
        call.script.say(_("No vote was recorded for this token."))
    else:
        several = len(vote.contests) > 1
        for contest in vote.contests:
            call.script.say(contest_sentence(contest, several=several))
        call.script.say(
            _("The receipt code is: {code}.").format(code=spell(vote.receipt_code or ""))
        )
    progress = progress.next(stage="checked", token=vote.token.digits, election=vote.election)
    return menu(call, progress)


def menu(call: Call, progress: state.CallState) -> Response:
    """Offer: 1 to hear it again, 9 to report it."""
    prompt = _(
        "Press 1 to hear this again. If this is not the vote you cast, press 9 to report it. "
        "Or hang up."
    )
    return twiml(call.script.gather(call.url(progress), prompt, num_digits=1))


def after_check(call: Call, progress: state.CallState, keys: str) -> Response:
    """The caller's answer to the menu after a check."""
    if keys == AGAIN:
        vote = check_vote(call.session, call.ctx, progress.token, progress.election)
        return read_vote(call, progress.next(tries=0), vote)
    if keys == REPORT:
        return disputecall.ask_code(call, progress)
    progress = progress.next(tries=progress.tries + 1)
    if progress.tries >= TRIES:
        return twiml(call.script.say(_("Thank you for checking. Goodbye.")).hangup())
    if keys:
        call.script.say(_("Sorry, that key does nothing here."))
    return menu(call, progress)
