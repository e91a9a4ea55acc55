"""The text-message grammar: what a member may text, read forgivingly, refused precisely.

Pure: standard library and the domain errors only.  The grammar, as told to
members (docs/twilio.md has the full version)::

    HELP                          instructions
    <token>                       the ballot: title, candidates, how to reply
    <token> <preferences>         a vote
    CHECK <token>                 after publication: the vote recorded for the token
    DISPUTE <token> <code>        after publication: report that it is not the vote cast

The token may be split by spaces, dashes or dots, as printed on the card.
On a ballot of one contest, preferences are candidate numbers in order:
``3 1 2``, ``3,1,2``, ``3-1-2``, or ``312`` when every candidate number is a
single digit (with ten or more candidates a run of digits is one number, and
one that names no candidate gets "put spaces between the numbers").  Letters
work too, A = candidate 1, B = candidate 2 … Z = 26 (``CAB`` = 3 1 2).  A
yes/no ballot takes ``YES``, ``NO`` or ``ABSTAIN`` (or ``Y``, ``N``, ``A``, or
1, 2, 3).  Any case, any spacing.

On a ballot of several contests each contest's choices follow its key
letter: ``TOKEN A 3 1 2 B 2 C YES`` (``A:3``, ``A3`` and ``A-3-1-2`` work too).
A single letter that is one of the ballot's keys always starts a contest, so
candidates go by number only; a contest left out is blank.  In a yes/no
contest ``Y`` and ``N`` still mean yes and no unless they are keys of the
ballot (``YES``, ``NO``, ``ABSTAIN`` and 1, 2, 3 always work).

Parsing is a two-step affair because the token names the election:
:func:`read_message` splits the text, the caller finds the election, then
:func:`read_preferences` (one contest) or :func:`read_ballot` (several) reads
the choices against its candidate numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ballotbox.core.errors import ChoiceError, InputError, TokenLengthError
from ballotbox.core.i18n import N_, _

TOKEN_DIGITS = 20
HELP_WORDS = frozenset({"HELP", "INFO", "?", "AIDE", "HELLO", "HI"})
# Words some members put before the token ("Token: 4821 …", "vote 4821 …"): skipped.
LEAD_WORDS = frozenset({"TOKEN", "TOKEN:", "VOTE", "VOTE:", "BALLOT", "BALLOT:", "TOCYN", "TOCYN:"})
ANSWERS = {
    "YES": 1, "Y": 1, "AYE": 1, "FOR": 1,
    "NO": 2, "N": 2, "NAY": 2, "AGAINST": 2,
    "ABSTAIN": 3, "A": 3, "ABS": 3, "ABSTENTION": 3,
    "IE": 1, "NA": 2, "NAC": 2, "YMATAL": 3,  # Welsh, as the Welsh replies say
}  # fmt: skip
# After publication: check a token's recorded vote, or report it with the receipt code.
CHECK_WORDS = frozenset({"CHECK", "CHECK:", "VERIFY", "GWIRIO"})
DISPUTE_WORDS = frozenset({"DISPUTE", "DISPUTE:", "REPORT", "HERIO"})
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORD_SPLIT = re.compile(r"[\s,;/>+&]+")
_TOKEN_PART = re.compile(r"^[0-9][0-9.\-_]*\Z|^[.\-_]*[0-9][0-9.\-_]*\Z")
_PREF_SPLIT = re.compile(r"[.\-_]+")
_KEYED_SPLIT = re.compile(r"[.\-_:=]+")
_KEY_GLUED = re.compile(r"^([A-Z])([0-9]+)\Z")
MAX_WORDS = 200


@dataclass(frozen=True)
class Help:
    """The member asked for instructions (or sent nothing readable as a token)."""


@dataclass(frozen=True)
class BallotRequest:
    """The token alone: send the ballot."""

    token: str


@dataclass(frozen=True)
class Vote:
    """A token and the words after it, to be read by :func:`read_preferences`."""

    token: str
    preferences: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    """``CHECK <token>``: what is recorded for the token (once published)."""

    token: str


@dataclass(frozen=True)
class Dispute:
    """``DISPUTE <token> <code>``: the published vote is not the one cast."""

    token: str
    code: str


Message = Help | BallotRequest | Vote | Check | Dispute


@dataclass(frozen=True)
class Ballot:
    """What the grammar needs to know about an election: its numbers and whether it is yes/no."""

    numbers: frozenset[int]
    yes_no: bool = False

    @classmethod
    def of(cls, numbers: Collection[int], *, yes_no: bool = False) -> Ballot:
        """A ballot shape from candidate numbers."""
        return cls(frozenset(numbers), yes_no)

    @property
    def single_digit(self) -> bool:
        """True when a run of digits like ``312`` can only mean 3, 1, 2."""
        return max(self.numbers, default=0) <= 9


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).upper()
    return [w for w in _WORD_SPLIT.split(folded.strip()) if w][:MAX_WORDS]


def _digits(word: str) -> str:
    return "".join(ch for ch in word if ch.isascii() and ch.isdigit())


def _is_token_part(word: str) -> bool:
    return bool(_TOKEN_PART.match(word)) and word.isascii()


def _valid_checksum(digits: str) -> bool:
    return len(digits) == TOKEN_DIGITS and int(digits) % 97 == 1


def read_message(text: str) -> Message:
    """Split a text into help, a ballot request or a vote (the token's digits not yet checked)."""
    words = _words(text)
    if not words or (len(words) == 1 and words[0] in HELP_WORDS):
        return Help()
    while words and words[0] in LEAD_WORDS:
        words = words[1:]
    if words and words[0] in CHECK_WORDS | DISPUTE_WORDS:
        return _check_or_dispute(words)
    if not words or not _is_token_part(words[0]):
        if words and words[0] in ANSWERS:
            raise InputError(N_("Start with the ballot token from your card, then your answer."))
        raise InputError(
            N_("Start with the ballot token from your card, then your choices. Text HELP for help.")
        )
    digits = ""
    used = 0
    while used < len(words) and len(digits) < TOKEN_DIGITS and _is_token_part(words[used]):
        digits += _digits(words[used])
        used += 1
    rest = list(words[used:])
    if len(digits) > TOKEN_DIGITS:
        # The last group ran on into the preferences ("…3316312"): split it only when
        # the first twenty digits are a valid token, so a typing error is still caught.
        if not _valid_checksum(digits[:TOKEN_DIGITS]):
            raise TokenLengthError(found=len(digits), expected=TOKEN_DIGITS)
        rest.insert(0, digits[TOKEN_DIGITS:])
        digits = digits[:TOKEN_DIGITS]
    if not rest or (len(rest) == 1 and rest[0] in HELP_WORDS):
        return BallotRequest(digits)
    return Vote(digits, tuple(rest))


def _check_or_dispute(words: list[str]) -> Check | Dispute:
    """``CHECK <token>`` or ``DISPUTE <token> <code>`` (the code may be split by spaces)."""
    keyword, rest = words[0], words[1:]
    digits = ""
    used = 0
    while used < len(rest) and len(digits) < TOKEN_DIGITS and _is_token_part(rest[used]):
        digits += _digits(rest[used])
        used += 1
    if not digits:
        raise InputError(N_("Text {word} and then the ballot token from your card."),
                         word=keyword.rstrip(":"))  # fmt: skip
    if keyword in CHECK_WORDS:
        return Check(digits)
    return Dispute(digits, "".join(rest[used:]))


def _answer(word: str) -> int:
    if word in ANSWERS:
        return ANSWERS[word]
    if word in {"1", "2", "3"}:
        return int(word)
    raise ChoiceError(N_("“{word}” is not an answer: reply YES, NO or ABSTAIN."), word=word)


def _letters(word: str, ballot: Ballot) -> list[int]:
    picked = []
    for letter in word:
        number = LETTERS.index(letter) + 1
        if number not in ballot.numbers:
            raise ChoiceError(N_("There is no candidate {letter}."), letter=letter)
        picked.append(number)
    return picked


def _numbers(word: str, ballot: Ballot) -> list[int]:
    if ballot.single_digit:
        return [int(ch) for ch in word]
    number = int(word)
    if number not in ballot.numbers and len(word.lstrip("0")) > 1:
        raise ChoiceError(
            N_("There is no candidate {number}. Put spaces between candidate numbers: 3 1 2."),
            number=number,
        )
    return [number]


def read_preferences(words: Sequence[str], ballot: Ballot) -> list[int]:
    """Candidate numbers in the order written, or a :class:`ChoiceError` naming the wrong word.

    Whether the numbers exist, repeat or are too many is left to
    ``validate_choices``, which says so in the same words for every channel.
    """
    parts = [p for w in words for p in _PREF_SPLIT.split(w) if p]
    if ballot.yes_no:
        return [_answer(p) for p in parts]
    picked: list[int] = []
    for part in parts:
        if part in ANSWERS and len(part) > 1:
            raise ChoiceError(
                N_("This ballot is not a yes/no question: reply with candidate numbers.")
            )
        if part.isascii() and part.isdigit():
            picked.extend(_numbers(part, ballot))
        elif part.isascii() and part.isalpha():
            picked.extend(_letters(part, ballot))
        else:
            raise ChoiceError(N_("“{word}” is not a candidate number."), word=part[:20])
    return picked


def example(contests: Mapping[str, Ballot]) -> str:
    """A vote for ``contests`` as a member would text it, e.g. ``A 3 1 2 B 2 C YES`` (``C IE``)."""
    parts = []
    for key, ballot in contests.items():
        numbers = sorted(ballot.numbers)
        parts.append(
            f"{key} {_('YES')}"
            if ballot.yes_no
            else f"{key} " + " ".join(map(str, numbers[:3][::-1]))
        )
    return " ".join(parts)


def read_ballot(words: Sequence[str], contests: Mapping[str, Ballot]) -> dict[str, list[int]]:
    """Contest key → candidate numbers for a ballot of several contests (keys in ``contests``).

    Contests not mentioned are left out (blank).  Like :func:`read_preferences`
    this reads only; whether the numbers exist, repeat or are too many is
    ``validate_ballot``'s job.  A :class:`ChoiceError` names its contest.
    """
    keys = set(contests)
    given: dict[str, list[str]] = {}
    current: str | None = None
    for word in words:
        for part in (p for p in _KEYED_SPLIT.split(word) if p):
            glued = _KEY_GLUED.match(part)
            key, rest = (glued.group(1), glued.group(2)) if glued else (part, "")
            if key in keys:
                if key in given:
                    raise ChoiceError(
                        N_("Contest {key} is there twice: give each contest once."), key=key
                    ).in_contest(key)
                current = key
                given[key] = [rest] if rest else []
                continue
            if current is None:
                raise ChoiceError(
                    N_("Put each contest's letter before its choices, e.g. TOKEN {example}."),
                    example=example(contests),
                )
            given[current].append(part)
    ballot: dict[str, list[int]] = {}
    for key, parts in given.items():
        try:
            ballot[key] = _read_contest(parts, contests[key], keys)
        except ChoiceError as error:
            raise error.in_contest(key) from None
    return ballot


def _read_contest(parts: list[str], ballot: Ballot, keys: Collection[str]) -> list[int]:
    """One contest's words on a ballot of several: numbers (or answers), never letters."""
    if ballot.yes_no:
        return [_answer(p) for p in parts]
    picked: list[int] = []
    for part in parts:
        if part.isascii() and part.isdigit():
            picked.extend(_numbers(part, ballot))
        elif part in ANSWERS and len(part) > 1:
            raise ChoiceError(
                N_("This contest is not a yes/no question: reply with candidate numbers.")
            )
        elif part.isascii() and part.isalpha() and len(part) == 1:
            raise ChoiceError(
                N_("There is no contest {key} on this ballot; its contests are {keys}."),
                key=part,
                keys=", ".join(sorted(keys)),
            )
        else:
            raise ChoiceError(N_("“{word}” is not a candidate number."), word=part[:20])
    return picked
