"""Reading a teller's entry into a canonical form, and deciding whether two entries agree.

Pure (no database, no web): the keying form, the CSV import and the
adjudication page all go through :func:`read_entry`, so a letter is read by
the same rules whichever way it was keyed.  Form is forgiven (spaces, dashes
and dots in the token, ``X`` or ``✓`` for a tick); meaning is not: two entries
agree only when they name the same token and the same choices, or the same
spoilt reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ballotbox.choices import ranking_from_marks, validate_choices
from ballotbox.core.errors import ChoiceError, TokenFormatError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import parse
from ballotbox.definition import ElectionDefinition
from ballotbox.services.postal.errors import EntryError

# Why a letter cannot be a ballot.  Fixed codes only, never free text: a free
# text box is where a teller could write down a token.
SPOILT_REASONS: dict[str, str] = {
    "unreadable": N_("Unreadable"),
    "no_token": N_("No token"),
    "bad_token": N_("Token illegible or fails the check digits"),
    "no_marks": N_("No preferences marked"),
    "ambiguous": N_("Ambiguous preferences"),
    "too_many": N_("More marks than allowed"),
    "other": N_("Other defect"),
}

# Why a well-formed, agreed letter was refused by cast(): the error codes of ballotbox.core.errors.
REJECTION_REASONS: dict[str, str] = {
    "unknown_token": N_("Token not issued for this election"),
    "token_used": N_("Token already used"),
    "token_void": N_("Token void (card cancelled)"),
    "election_not_open": N_("Voting not open (or not by this channel)"),
}

TICKS = frozenset({"x", "1", "✓", "✔", "/", "+", "*"})


@dataclass(frozen=True, slots=True)
class Keyed:
    """One entry in canonical form: a token with choices, or a spoilt reason."""

    token: str | None = None  # the 20 canonical digits
    choices: tuple[int, ...] | None = None  # preference order (ranked) or sorted selection
    spoilt: str | None = None

    def __repr__(self) -> str:
        # Never print a token or choices into a log line or a traceback.
        return "Keyed(spoilt)" if self.spoilt else "Keyed(ballot)"

    def to_bytes(self) -> bytes:
        """Canonical JSON, the plaintext that is sealed."""
        if self.spoilt:
            return json.dumps({"spoilt": self.spoilt}).encode()
        return json.dumps({"token": self.token, "choices": list(self.choices or ())}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Keyed:
        """The inverse of :meth:`to_bytes`."""
        doc = json.loads(data)
        if "spoilt" in doc:
            return cls(spoilt=str(doc["spoilt"]))
        return cls(token=str(doc["token"]), choices=tuple(int(n) for n in doc["choices"]))


def read_token(text: str) -> str:
    """The canonical digits of a keyed token, or an :class:`EntryError` on the token field."""
    if not text.strip():
        raise EntryError(N_("Type the token, or mark the letter spoilt (no token)."), field="token")
    try:
        return parse(text).digits
    except TokenFormatError as error:
        raise EntryError(
            N_("{problem} If the letter really says this, mark it spoilt (token illegible)."),
            field="token",
            problem=error.message,
        ) from None


def choices_from_marks(definition: ElectionDefinition, marks: Mapping[int, str]) -> list[int]:
    """The choices from the marks keyed next to each candidate, in card order."""
    texts = {n: str(marks.get(n, "")).strip() for n in definition.contests[0].candidate_names()}
    if definition.contests[0].ranked:
        ranks: dict[int, int | None] = {}
        for number, text in texts.items():
            if not text:
                ranks[number] = None
            elif text.isdigit():
                ranks[number] = int(text)
            else:
                raise ChoiceError(
                    N_("“{text}” next to candidate {number} is not a rank number."),
                    text=text,
                    number=number,
                )
        return ranking_from_marks(ranks)
    picked = []
    for number, text in texts.items():
        if not text:
            continue
        if text.lower() not in TICKS:
            raise ChoiceError(
                N_("“{text}” next to candidate {number} is not a mark: key X for a tick."),
                text=text,
                number=number,
            )
        picked.append(number)
    return picked


def read_entry(
    definition: ElectionDefinition,
    token_text: str,
    marks: Mapping[int, str],
    spoilt: str = "",
) -> Keyed:
    """Read one keyed letter into canonical form, or say which field is wrong and why."""
    spoilt = spoilt.strip()
    if spoilt:
        if spoilt not in SPOILT_REASONS:
            raise EntryError(
                N_("“{reason}” is not a spoilt reason."), field="spoilt", reason=spoilt
            )
        return Keyed(spoilt=spoilt)
    token = read_token(token_text)
    try:
        choices = validate_choices(definition.contests[0], choices_from_marks(definition, marks))
    except ChoiceError as error:
        raise EntryError(
            N_("{problem} If the letter really says this, mark it spoilt."),
            field="marks",
            problem=error.message,
        ) from None
    return Keyed(token=token, choices=tuple(choices))


def differences(first: Keyed, second: Keyed) -> list[str]:
    """The parts on which two entries differ: ``token``, ``choices``, ``spoilt`` (empty: agree)."""
    fields = []
    if first.spoilt != second.spoilt:
        fields.append("spoilt")
    if first.token != second.token:
        fields.append("token")
    if first.choices != second.choices:
        fields.append("choices")
    return fields


def agree(first: Keyed, second: Keyed) -> bool:
    """True when two independent entries say exactly the same thing."""
    return not differences(first, second)


def marks_for(definition: ElectionDefinition, keyed: Keyed) -> dict[int, str]:
    """The marks each candidate would carry for ``keyed`` (to show an entry as on the card)."""
    if keyed.choices is None:
        return {}
    if definition.contests[0].ranked:
        return {number: str(rank) for rank, number in enumerate(keyed.choices, start=1)}
    return {number: "X" for number in keyed.choices}
