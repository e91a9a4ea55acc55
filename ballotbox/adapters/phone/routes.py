"""``POST /phone/twilio``: Twilio Voice's webhook, one step of the call per request.

The call: greeting → token (digits then ``#``, checked at once, three tries)
→ choices one at a time → the whole ballot read back → 1 to confirm, 2 to
start again → ``cast()`` → the receipt code spelt out.  Each answer's
``<Gather>`` posts back to this same address with the call's progress sealed
in the ``s`` query parameter (see :mod:`ballotbox.adapters.phone.state`).  The caller
ID is used only for the failure limit, as a keyed hash that expires (a
withheld number counts as the call alone: :func:`caller_source`).

The vote is cast in the request's transaction, which the session dependency
commits before the TwiML goes back, so a caller never hears "recorded" for a
vote that is not on disk; a step that fails calls ``refuse`` and says so (a
failed token attempt keeps its failure count: ``refuse(..., keep=...)``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.limits import failed, get_guard
from ballotbox.adapters.httpkit.twilio import auth_token, caller_source, twilio_params, twiml
from ballotbox.adapters.phone import checkcall, disputecall, keypad, state, voicemail
from ballotbox.adapters.phone import language as phone_language
from ballotbox.adapters.phone.script import (
    Script,
    ballot_intro,
    candidate_list,
    choice_prompt,
    contest_heading,
    echo,
    how_to_choose,
    read_back,
    read_back_contest,
    spoken,
)
from ballotbox.config import Settings
from ballotbox.core import phonetic
from ballotbox.core.errors import (
    BallotboxError,
    ChoiceError,
    RateLimitedError,
    TokenFormatError,
    TokenUsedError,
    TokenVoidError,
    UnknownTokenError,
)
from ballotbox.core.i18n import _, ballot_languages, current_locale, set_locale
from ballotbox.definition import ElectionDefinition
from ballotbox.services import Context
from ballotbox.services.casting import cast
from ballotbox.services.checking import CheckedVote, vote_or_check
from ballotbox.services.elections import definition_of
from ballotbox.storage import repository
from ballotbox.storage.models import ElectionState

router = APIRouter(include_in_schema=False)

ParamsDep = Annotated[dict[str, str], Depends(twilio_params)]
PATH = "/phone/twilio"
TRIES = 3
CONFIRM_TRIES = 5  # a vote about to be confirmed is not given up lightly


class Call:
    """One webhook of one call: its settings, its sealed state and what it says back."""

    def __init__(
        self, request: Request, params: dict[str, str], session: Session, ctx: Context
    ) -> None:
        self.request = request
        self.settings: Settings = request.app.state.settings
        self.session = session
        self.ctx = ctx
        self.params = params
        self.guard = get_guard(request)
        self.script = Script(self.settings.phone_voice, self.settings.phone_language)

    # -- plumbing ---------------------------------------------------------------------------
    def url(self, progress: state.CallState) -> str:
        """The action URL carrying ``progress``, sealed for this call."""
        sealed = state.seal(
            progress,
            auth_token=auth_token(self.settings) or "",
            call_sid=self.params.get("CallSid", ""),
            now=self.ctx.clock.now(),
            nonce=self.ctx.random_bytes(24),
        )
        return f"{self.settings.public_base}{PATH}?s={quote(sealed)}"

    def progress(self, sealed: str) -> state.CallState:
        """The state this request carries back (may raise :class:`state.StateError`)."""
        return state.open_state(
            sealed,
            auth_token=auth_token(self.settings) or "",
            call_sid=self.params.get("CallSid", ""),
            now=self.ctx.clock.now(),
        )

    def definition(self, progress: state.CallState) -> ElectionDefinition:
        """The definition of the election the token belongs to."""
        return definition_of(repository.election_by_slug(self.session, progress.election))

    # -- steps -------------------------------------------------------------------------------
    def ask_token(self, progress: state.CallState) -> Response:
        """Prompt for the token (and, where offered, the voicemail alternative)."""
        prompt = _("Please enter the ballot token from your card, then press hash.")
        if self.voicemail():
            prompt += " " + _(
                "To leave a spoken message for the tellers instead, press 0 then hash."
            )
        return twiml(self.script.gather(self.url(progress), prompt))

    def voicemail(self) -> bool:
        """True when a caller may leave a message now: offered, and a ballot open for it."""
        offered = voicemail.offered(self.settings, self.ctx)
        return offered and bool(voicemail.open_ballots(self.session, self.ctx))

    def speak(self, language: str) -> None:
        """Say everything from here on in ``language`` (text and voice)."""
        set_locale(language)
        self.script = phone_language.script_for(language, self.settings)

    def languages(self) -> list[str]:
        """The languages the ballots open on the line offer (a menu when more than one)."""
        on_line: list[object] = [
            definition_of(e) for e in voicemail.open_ballots(self.session, self.ctx)
        ]
        return phone_language.menu_languages(on_line, self.settings.locale)

    def choose_language(self, progress: state.CallState, keys: str) -> Response:
        """The menu was answered: carry on in the chosen language."""
        language = phone_language.chosen(keys, self.languages())
        self.speak(language)
        return self.start(progress.next(stage="token", lang=language))

    def start(self, progress: state.CallState | None = None) -> Response:
        """A new call: the language menu if offered, then greet with the organisation and,
        if only one ballot is open, its title."""
        if progress is None and len(languages := self.languages()) > 1:
            action = self.url(state.CallState(stage="language"))
            return twiml(phone_language.menu(action, languages, self.settings))
        open_ = voicemail.open_ballots(self.session, self.ctx)  # open on the line
        self.script.say(
            _("Welcome to the {organisation} ballot line.").format(
                organisation=self.settings.organisation
            )
        )
        if len(open_) == 1:
            title = definition_of(open_[0]).local_title
            self.script.say(_("This is the vote for {title}.").format(title=title))
        self.say_checkable(bool(open_))
        return self.ask_token(progress or state.CallState())

    def say_checkable(self, voting: bool) -> None:
        """Tell the caller that a published ballot's vote can be checked here, by its token:
        the same line votes and checks, so a caller with an old card is not turned away."""
        published = repository.elections(self.session, [ElectionState.PUBLISHED])
        if not published:
            return
        if len(published) == 1:
            title = definition_of(published[0]).local_title
            self.script.say(
                _(
                    "The results of {title} are published: to hear the vote recorded for your "
                    "card, key its token."
                ).format(title=title)
            )
        elif voting:
            self.script.say(
                _(
                    "To hear the vote recorded for a card of a ballot whose results are "
                    "published, key that card's token."
                )
            )
        else:
            self.script.say(_("Key the token from your card to hear the vote recorded for it."))

    def retry_token(self, progress: state.CallState, why: str) -> Response:
        """Say why the token was not taken; ask again, or say goodbye after three tries."""
        progress = progress.next(tries=progress.tries + 1)
        self.script.say(why)
        if progress.tries >= TRIES:
            self.script.say(
                _("Sorry, that was three tries. Please check your card and call again. Goodbye.")
            )
            return twiml(self.script.hangup())
        return self.ask_token(progress)

    def token(self, progress: state.CallState, keys: str) -> Response:
        """The token was keyed: check its form, then that it can vote now."""
        if keys == "":
            return self.retry_token(progress, _("I did not hear any keys."))
        if keys.strip("0") == "" and self.voicemail():
            return voicemail.offer(self, progress)
        caller = caller_source(self.params)
        try:
            self.guard.check("phone", caller, self.session)
            token = keypad.read_token(keys)
            found = vote_or_check(self.session, self.ctx, token, "phone")
            if isinstance(found, CheckedVote):  # after publication a token is checked, not voted
                checked = repository.election_by_slug(self.session, found.election)
                progress = self.in_ballot_language(progress, definition_of(checked))
                return checkcall.read_vote(self, progress, found)
            election = found
        except RateLimitedError as error:
            return twiml(self.script.say(spoken(error)).hangup())
        except (TokenFormatError, UnknownTokenError, TokenUsedError, TokenVoidError) as error:
            unknown = isinstance(error, UnknownTokenError)
            refuse(self.request, keep=failed(self.request, "phone", caller, unknown_token=unknown))
            if isinstance(error, (TokenUsedError, TokenVoidError)):
                return twiml(self.script.say(spoken(error)).say(_("Goodbye.")).hangup())
            return self.retry_token(progress, spoken(error))
        except BallotboxError as error:
            return twiml(self.script.say(spoken(error)).say(_("Goodbye.")).hangup())
        definition = definition_of(election)
        progress = self.in_ballot_language(progress, definition)
        title = definition.local_title
        self.script.say(_("Thank you. This is the ballot for {title}.").format(title=title))
        progress = progress.next(stage="choose", token=token.digits, election=election.slug)
        if not definition.single:
            self.script.say(ballot_intro(definition))
            return self.start_contest(progress, definition)
        contest = definition.contests[0]
        self.script.say(candidate_list(contest))
        self.script.say(how_to_choose(contest))
        return self.ask_choice(progress, definition)

    def in_ballot_language(
        self, progress: state.CallState, definition: ElectionDefinition
    ) -> state.CallState:
        """No language chosen at a menu: the ballot's first language from here on."""
        if progress.lang:
            return progress
        progress = progress.next(lang=ballot_languages(definition, current_locale())[0])
        self.speak(progress.lang)
        return progress

    def start_contest(self, progress: state.CallState, definition: ElectionDefinition) -> Response:
        """Announce the contest the call has reached (of several), its candidates, and ask."""
        contest = definition.contests[progress.contest]
        self.script.say(contest_heading(contest))
        if contest.description:
            self.script.say(contest.description)
        if contest.method != "referendum":
            self.script.say(candidate_list(contest))
            self.script.say(how_to_choose(contest))
        return self.ask_choice(progress, definition)

    def ask_choice(self, progress: state.CallState, definition: ElectionDefinition) -> Response:
        """Prompt for the next choice in the contest being keyed."""
        contest = definition.contests[progress.contest]
        prompt = choice_prompt(contest, progress.choices, several=not definition.single)
        return twiml(self.script.gather(self.url(progress), prompt))

    def choose(self, progress: state.CallState, keys: str) -> Response:
        """One choice was keyed (or hash alone, to finish; or star, to skip a contest)."""
        definition = self.definition(progress)
        if not 0 <= progress.contest < len(definition.contests):
            raise state.StateError("no such contest")
        contest = definition.contests[progress.contest]
        try:
            entry = keypad.read_entry(keys)
            if isinstance(entry, keypad.Repeat):
                if not definition.single:  # which contest this is, then its list
                    self.script.say(contest_heading(contest))
                if definition.single or contest.method != "referendum":
                    self.script.say(candidate_list(contest))
                return self.ask_choice(progress, definition)
            if isinstance(entry, keypad.Undo):
                return self.undo(progress, definition)
            if isinstance(entry, keypad.Finish):
                if progress.choices:
                    return self.contest_done(progress, definition)
                progress = progress.next(tries=progress.tries + 1)
                if progress.tries >= TRIES:
                    self.script.say(_("No choice was made, so no vote was recorded. Goodbye."))
                    return twiml(self.script.hangup())
                self.script.say(_("You have not chosen yet."))
                return self.ask_choice(progress, definition)
            choices = keypad.add_choice(
                progress.choices, entry.number, contest.candidate_names(), ranked=contest.ranked
            )
        except ChoiceError as error:
            self.script.say(spoken(error))
            return self.ask_choice(progress, definition)
        self.script.say(echo(contest, choices))
        progress = progress.next(choices=choices, tries=0)
        if len(choices) >= contest.choice_limit:
            return self.contest_done(progress, definition)
        return self.ask_choice(progress, definition)

    def undo(self, progress: state.CallState, definition: ElectionDefinition) -> Response:
        """``*``: take back the last choice; before any, skip the contest (of several)."""
        contest = definition.contests[progress.contest]
        if progress.choices:
            removed = contest.candidate_names()[progress.choices[-1]]
            self.script.say(_("{name} removed.").format(name=removed))
            return self.ask_choice(progress.next(choices=progress.choices[:-1]), definition)
        if not definition.single:
            self.script.say(_("Contest {key} skipped.").format(key=contest.key))
            return self.contest_done(progress.next(choices=[]), definition)
        self.script.say(_("There is no choice to take back yet."))
        return self.ask_choice(progress, definition)

    def contest_done(self, progress: state.CallState, definition: ElectionDefinition) -> Response:
        """The contest being keyed is finished: on to the next one, or to the read-back."""
        if definition.single:
            return self.confirm_prompt(progress.next(stage="confirm"), definition)
        key = definition.contests[progress.contest].key
        ballot = {**progress.ballot, key: list(progress.choices)}
        # tries carries on: only a choice resets it, so skipping every contest ends the call too.
        progress = progress.next(ballot=ballot, choices=[], contest=progress.contest + 1)
        if progress.contest < len(definition.contests):
            return self.start_contest(progress, definition)
        if not any(ballot.values()):
            tries = progress.tries + 1
            if tries >= TRIES:
                self.script.say(_("No choice was made, so no vote was recorded. Goodbye."))
                return twiml(self.script.hangup())
            self.script.say(
                _("You skipped every contest, so there is nothing to record. Let's start again.")
            )
            return self.start_contest(progress.next(ballot={}, contest=0, tries=tries), definition)
        return self.confirm_prompt(progress.next(stage="confirm"), definition)

    def confirm_prompt(self, progress: state.CallState, definition: ElectionDefinition) -> Response:
        """Read the whole ballot back and ask for 1 (confirm), 2 (start again) or 3 (again)."""
        if definition.single:
            self.script.say(read_back(definition.contests[0], progress.choices))
        else:
            self.script.say(_("Here is your whole ballot."))
            for contest in definition.contests:
                self.script.say(read_back_contest(contest, progress.ballot.get(contest.key, [])))
        prompt = _(
            "Press 1 to confirm your vote, 2 to start your choices again, or 3 to hear them again."
        )
        return twiml(self.script.gather(self.url(progress), prompt, num_digits=1))

    def confirm(self, progress: state.CallState, keys: str) -> Response:
        """1 casts the ballot; 2 starts the choices again; 3, silence or another key repeats."""
        definition = self.definition(progress)
        if keys == "2":
            self.script.say(_("Let's start your choices again."))
            again = progress.next(stage="choose", choices=[], ballot={}, contest=0)
            if definition.single:
                return self.ask_choice(again, definition)
            return self.start_contest(again, definition)
        if keys == "3":
            return self.confirm_prompt(progress, definition)
        if keys != "1":
            progress = progress.next(tries=progress.tries + 1)
            if progress.tries >= CONFIRM_TRIES:
                self.script.say(
                    _(
                        "Your vote has not been recorded, and your token can still be used. "
                        "To vote, please call this number again and key your token. Goodbye."
                    )
                )
                return twiml(self.script.hangup())
            self.script.say(
                _("I did not hear 1, 2 or 3.") if not keys else _("That was not 1, 2 or 3.")
            )
            return self.confirm_prompt(progress, definition)
        choices = progress.choices if definition.single else progress.ballot
        try:
            receipt = cast(
                self.session, self.ctx, progress.token, choices, "phone",
                election_slug=progress.election,
            )  # fmt: skip
        except BallotboxError as error:
            refuse(self.request)
            self.script.say(spoken(error)).say(_("Your vote was not recorded. Goodbye."))
            return twiml(self.script.hangup())
        code = phonetic.spell(receipt.code)
        self.script.say(_("Your vote has been recorded. Thank you."))
        self.script.say(_("Your receipt code is: {code}. Again: {code}.").format(code=code))
        self.script.say(
            _(
                "Once the results are published, you can check your vote by calling this number "
                "again and keying your token, or on the web at {url}. Goodbye."
            ).format(url=f"{self.settings.public_base}/elections/{receipt.election}")
        )
        return twiml(self.script.hangup())


@router.post(PATH)
def phone_webhook(
    request: Request, params: ParamsDep, session: SessionDep, ctx: ContextDep
) -> Response:
    """Twilio Voice webhook: one step of a keypad vote, answered in TwiML."""
    call = Call(request, params, session, ctx)
    set_locale(call.settings.locale)
    sealed = request.query_params.get("s")
    if sealed is None:
        return call.start()
    try:
        progress = call.progress(sealed)
    except state.StateError:
        call.script.say(_("Sorry, we lost track of your call. Let's start again."))
        return call.ask_token(state.CallState())
    keys = params.get("Digits", "")
    if progress.lang:
        call.speak(progress.lang)
    try:
        if progress.stage == "language":
            return call.choose_language(progress, keys)
        if progress.stage == "token":
            return call.token(progress, keys)
        if progress.stage == "choose":
            return call.choose(progress, keys)
        if progress.stage == "confirm":
            return call.confirm(progress, keys)
        if progress.stage == "checked":
            return checkcall.after_check(call, progress, keys)
        if progress.stage in disputecall.STAGES:
            return disputecall.answer(call, progress, keys)
        if progress.stage == "ballot":
            return voicemail.choose(call, progress, keys)
        if progress.stage == "record":  # Twilio heard nothing: the recording was empty
            return voicemail.silent(call, progress)
        return voicemail.recorded(call, progress)
    except BallotboxError as error:  # e.g. the election was deleted mid-call: still TwiML
        refuse(request)
        return twiml(Script(call.script.voice, call.script.language).say(spoken(error)).hangup())
