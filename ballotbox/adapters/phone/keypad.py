"""Reading what a caller keyed: the token, then one choice at a time.

Pure: standard library, the token format and the domain errors.  Twilio
hands over the keys pressed before ``#`` as ``Digits`` (``0``-``9`` and
``*``); every entry is read here and either understood or refused with a
sentence the caller can act on.  Key ``0`` alone is never a candidate (numbers
start at 1), so it means "read me the list again"; ``#`` alone (an empty
entry) means "I have finished"; ``*`` alone takes back the last choice (and,
before any choice in a contest of several, skips the contest).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ballotbox.core.errors import ChoiceError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import Token, parse

MAX_CHOICE_KEYS = 3  # candidate numbers go up to 999


@dataclass(frozen=True)
class Finish:
    """``#`` alone: no more choices."""


@dataclass(frozen=True)
class Repeat:
    """``0 #``: read the candidates again."""


@dataclass(frozen=True)
class Pick:
    """A candidate number."""

    number: int


@dataclass(frozen=True)
class Undo:
    """``* #``: take back the last choice (none yet, in a contest of several: skip it)."""


Entry = Finish | Repeat | Pick | Undo


def read_token(keys: str) -> Token:
    """The token keyed on the phone, or the token error that says what is wrong with it."""
    return parse(keys)


def read_entry(keys: str) -> Entry:
    """One keyed entry in the choices stage: finish, repeat, undo, or a number (not yet checked)."""
    keys = keys.strip()
    if keys == "":
        return Finish()
    if keys == "*":
        return Undo()
    if not (keys.isascii() and keys.isdigit()):
        raise ChoiceError(N_("Use only the number keys, then the hash key."))
    if keys.strip("0") == "":
        return Repeat()
    if len(keys.lstrip("0")) > MAX_CHOICE_KEYS:
        raise ChoiceError(N_("That number is too long for a candidate number."))
    return Pick(int(keys))


def add_choice(
    chosen: Sequence[int], number: int, candidates: Collection[int], *, ranked: bool
) -> list[int]:
    """``chosen`` with ``number`` appended, or the error for a missing or repeated candidate."""
    if number not in candidates:
        raise ChoiceError(N_("Candidate {number} does not exist."), number=number)
    if number in chosen:
        if ranked:
            raise ChoiceError(N_("You ranked candidate {number} twice."), number=number)
        raise ChoiceError(N_("You chose candidate {number} twice."), number=number)
    return [*chosen, number]


def split_keys(keys: str) -> list[str]:
    """A whole call's keys (``"TOKEN#1#3##1#"``) as the entries Twilio would send, one per ``#``."""
    entries = keys.split("#")
    if entries and entries[-1] == "":
        entries.pop()
    return entries
