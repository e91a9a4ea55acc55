"""The phone line's language: a first menu when the ballot offers more than one.

"For English, press 1. Am Gymraeg, pwyswch 2." Each line is said in its own
language and voice, in the ballot's order (its primary language is 1).  The
menu is offered when an open ballot on the line lists more than one language
(it then offers every open ballot's languages); no key (or a wrong one) keeps
the first.  The choice travels in the call's sealed state, like everything
else about the call.  A call that had no menu speaks the installation's
language until the token names a ballot, then that ballot's first language.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse  # type: ignore[import-untyped]

from ballotbox.adapters.phone.script import GATHER_TIMEOUT_S, Script
from ballotbox.config import Settings
from ballotbox.core import i18n
from ballotbox.core.i18n import N_

# Twilio <Say> voice and language for each language other than the installation's own
# (whose voice and language come from BALLOTBOX_PHONE_VOICE and _LANGUAGE).
VOICES: dict[str, tuple[str | None, str]] = {
    "cy": ("Polly.Gwyneth", "cy-GB"),
    "en": (None, "en-GB"),
}
# i18n: said in each language of the menu, naming the language it is said in
MENU_LINE = N_("For English, press {digit}.")


def menu_languages(definitions: list[object], default: str) -> list[str]:
    """The languages the first menu offers: none unless an open ballot has more than one.

    Every open ballot's languages, the first ballot's first; a line whose
    ballots each have one language greets in the installation's language and
    switches to the ballot's once the token names it.
    """
    offered = [i18n.ballot_languages(definition, default) for definition in definitions]
    if all(len(languages) < 2 for languages in offered):
        return []
    found: list[str] = []
    for languages in offered:
        found += [code for code in languages if code not in found]
    return found


def script_for(language: str, settings: Settings) -> Script:
    """A script that speaks ``language``: the configured voice for the installation's own."""
    if language == (i18n.normalise(settings.locale) or i18n.DEFAULT_LOCALE):
        return Script(settings.phone_voice, settings.phone_language)
    voice, tag = VOICES.get(language, (settings.phone_voice, settings.phone_language))
    return Script(voice, tag)


def menu(action: str, languages: list[str], settings: Settings) -> VoiceResponse:
    """The menu: one key per language, each line in its language; no key keeps the first."""
    response = VoiceResponse()
    gather = Gather(
        input="dtmf", action=action, method="POST", num_digits=1,
        timeout=GATHER_TIMEOUT_S, action_on_empty_result=True,
    )  # fmt: skip
    for digit, language in enumerate(languages, start=1):
        script = script_for(language, settings)
        with i18n.using(language):
            line = i18n._(MENU_LINE).format(digit=digit)
        kwargs = {"language": script.language}
        if script.voice:
            kwargs["voice"] = script.voice
        gather.say(line, **kwargs)
    response.append(gather)
    response.redirect(action, method="POST")
    return response


def chosen(keys: str, languages: list[str]) -> str:
    """The language a key picks from the menu (the first for none or a wrong key)."""
    if keys.isdigit() and 1 <= int(keys) <= len(languages):
        return languages[int(keys) - 1]
    return languages[0] if languages else i18n.current_locale()
