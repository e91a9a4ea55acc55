"""What the phone line says: every prompt, and the one place errors become spoken sentences.

A :class:`Script` builds one TwiML ``VoiceResponse`` per webhook: things to
say, then either a ``<Gather input="dtmf">`` posting to the next step's URL,
a ``<Record>`` for the voicemail fallback, or ``<Hangup>``.  Voice and
language come from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from twilio.twiml.voice_response import Gather, VoiceResponse  # type: ignore[import-untyped]

from ballotbox.core.errors import (
    BallotboxError,
    RateLimitedError,
    TokenCharacterError,
    TokenChecksumError,
    TokenLengthError,
    UnknownTokenError,
)
from ballotbox.core.i18n import N_, _
from ballotbox.definition import ContestDefinition, ElectionDefinition

GATHER_TIMEOUT_S = 15
RECORD_MAX_S = 120
RECORD_PAUSE_S = 10  # a caller may pause to find the card: only this much silence ends it
ORDINALS = (
    N_("first"), N_("second"), N_("third"), N_("fourth"), N_("fifth"), N_("sixth"),
    N_("seventh"), N_("eighth"), N_("ninth"), N_("tenth"), N_("eleventh"), N_("twelfth"),
)  # fmt: skip


def ordinal(position: int) -> str:
    """ "first", "second" … for a 1-based position; "number 13" beyond twelve."""
    if 1 <= position <= len(ORDINALS):
        return _(ORDINALS[position - 1])
    return _("number {position}").format(position=position)


def spoken(error: BallotboxError) -> str:
    """A domain error as a short spoken sentence: the one place phone wording is chosen."""
    if isinstance(error, TokenLengthError):
        return _("That was {found} digits, but a token has {expected}.").format(**error.params)
    if isinstance(error, TokenChecksumError):
        return _("That token has a typing error. Please check the digits on your card.")
    if isinstance(error, TokenCharacterError):
        return _("Please use only the number keys for the token.")
    if isinstance(error, UnknownTokenError):
        return _("That token was not issued for any ballot. Please check the digits.")
    if isinstance(error, RateLimitedError):
        return _("Too many attempts from this phone. Please wait fifteen minutes and call again.")
    return error.message


def candidate_list(contest: ContestDefinition) -> str:
    """The candidates as they are read out."""
    if contest.method == "referendum":
        return _("Press 1 for yes, 2 for no, or 3 to abstain, then the hash key.")
    names = ". ".join(
        _("{number}: {name}").format(number=c.number, name=c.name) for c in contest.candidates
    )
    return _("The candidates are. {names}.").format(names=names)


def how_to_choose(contest: ContestDefinition) -> str:
    """The instructions given once, after the list."""
    if contest.method == "referendum":
        return ""
    if contest.ranked:
        return _("You will choose candidates in order of preference, one at a time. "
                 "Press 0 then hash to hear the list again.")  # fmt: skip
    return _("You may choose up to {limit}. Press 0 then hash to hear the list again.").format(
        limit=contest.choice_limit
    )


def choice_prompt(
    contest: ContestDefinition, chosen: Sequence[int], *, several: bool = False
) -> str:
    """What to key next (on a ballot of several contests, how to skip this one, at its start)."""
    if contest.method == "referendum":
        text = _("Press 1 for yes, 2 for no, or 3 to abstain, then the hash key.")
    elif contest.ranked:
        text = _("Enter the number of your {nth} choice, then hash.").format(
            nth=ordinal(len(chosen) + 1)
        )
    else:
        text = _("Enter the number of a candidate you choose, then hash.")
    if chosen:
        text += " " + _(
            "Press hash alone to finish, or star then hash to take back your last choice."
        )
    elif several:
        text += " " + _("To skip this contest, press star then hash.")
    return text


def echo(contest: ContestDefinition, choices: Sequence[int]) -> str:
    """The choice just keyed, said back with its name: "Your second choice: Ann Example." """
    name = contest.candidate_names()[choices[-1]]
    if contest.method == "referendum":
        return _("You answered: {answer}.").format(answer=name)
    if contest.ranked:
        return _("Your {nth} choice: {name}.").format(nth=ordinal(len(choices)), name=name)
    return _("You chose {name}.").format(name=name)


def read_back(contest: ContestDefinition, choices: Sequence[int]) -> str:
    """One contest's choices, read back before confirming."""
    names = contest.candidate_names()
    if contest.method == "referendum":
        return _("You answered: {answer}.").format(answer=_(names[choices[0]]))
    if contest.ranked:
        parts = [
            _("{nth}, {name}").format(nth=ordinal(i), name=names[n])
            for i, n in enumerate(choices, start=1)
        ]
        return _("Your choices are: {choices}.").format(choices="; ".join(parts))
    return _("You chose: {names}.").format(names="; ".join(names[n] for n in choices))


def ballot_intro(definition: ElectionDefinition) -> str:
    """Said once, before the first of several contests."""
    return _("This ballot has {count} contests. You will hear them one at a time. "
             "To skip a contest and leave it blank, press star then hash.").format(
        count=len(definition.contests)
    )  # fmt: skip


def contest_heading(contest: ContestDefinition) -> str:
    """A contest announced by its key and title, and its seats when there are several."""
    if contest.seats > 1:
        return _("Contest {key}, {title}, {seats} seats.").format(
            key=contest.key, title=contest.local_title, seats=contest.seats
        )
    return _("Contest {key}, {title}.").format(key=contest.key, title=contest.local_title)


def read_back_contest(contest: ContestDefinition, choices: Sequence[int]) -> str:
    """One contest of several in the read-back: its key and title, then its choices or blank."""
    heading = _("Contest {key}, {title}.").format(key=contest.key, title=contest.local_title)
    if not choices:
        return heading + " " + _("Left blank.")
    return heading + " " + read_back(contest, choices)


@dataclass
class Script:
    """One TwiML answer being put together."""

    voice: str | None
    language: str
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> Script:
        """Add a sentence to say before the next prompt."""
        if text:
            self.lines.append(text)
        return self

    def _say(self, target: VoiceResponse | Gather, text: str) -> None:
        kwargs = {"language": self.language}
        if self.voice:
            kwargs["voice"] = self.voice
        target.say(text, **kwargs)

    def _spoken(self, response: VoiceResponse | Gather) -> None:
        for line in self.lines:
            self._say(response, line)

    def gather(self, action: str, prompt: str, *, num_digits: int | None = None) -> VoiceResponse:
        """Say everything, then wait for keys ended by ``#`` and post them to ``action``."""
        response = VoiceResponse()
        self._spoken(response)
        gather = Gather(
            input="dtmf",
            action=action,
            method="POST",
            finish_on_key="#",
            timeout=GATHER_TIMEOUT_S,
            action_on_empty_result=True,
            num_digits=num_digits,
        )
        self._say(gather, prompt)
        response.append(gather)
        # Should Twilio fall through an empty Gather anyway, the same step hears "nothing".
        response.redirect(action, method="POST")
        return response

    def record(self, action: str, prompt: str, silent: str) -> VoiceResponse:
        """Say everything and the prompt, record a message, post its reference to ``action``.

        Twilio skips ``action`` when the recording is empty and runs the next
        verb instead: a redirect to ``silent``, so silence asks again rather
        than ending the call without a word.
        """
        response = VoiceResponse()
        self._spoken(response)
        self._say(response, prompt)
        response.record(
            action=action, method="POST", max_length=RECORD_MAX_S, finish_on_key="#",
            play_beep=True, timeout=RECORD_PAUSE_S, trim="trim-silence",
        )  # fmt: skip
        response.redirect(silent, method="POST")
        return response

    def hangup(self) -> VoiceResponse:
        """Say everything, then end the call."""
        response = VoiceResponse()
        self._spoken(response)
        response.hangup()
        return response
